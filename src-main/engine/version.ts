// The app version from package.json (inlined by the bundler in the desktop build), so that the CLI,
// manifests and project metadata agree.
import packageJson from '../../package.json' with { type: 'json' };

export const APP_VERSION: string = packageJson.version;
