/** The .wat compiled to a WebAssembly binary (SIMD enabled). */
export function compileKernel(): Promise<Buffer>;
/** The TypeScript module embedding `binary`. */
export function kernelModuleSource(binary: Buffer): string;
