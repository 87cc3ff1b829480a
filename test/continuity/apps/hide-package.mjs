// `--import` this to run an app as if the packages HIDE_PACKAGES names (comma-separated) were not installed.
import { registerHooks } from 'node:module';

const hidden = new Set((process.env.HIDE_PACKAGES ?? '').split(','));

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (hidden.has(specifier)) {
      throw Object.assign(new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    }
    return nextResolve(specifier, context);
  },
});
