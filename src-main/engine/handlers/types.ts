import type { Api, HandlerMap } from '../../contract/index.ts';

export type EngineHandlers = HandlerMap<Api>;
