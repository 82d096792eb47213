declare const __REMEMBRANCER_VERSION__: string | undefined;

/** Injected by the build; tests running from source read package.json's through vitest's define. */
export const VERSION: string =
  typeof __REMEMBRANCER_VERSION__ === 'string' ? __REMEMBRANCER_VERSION__ : '0.0.0-dev';
