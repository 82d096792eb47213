/** Where spawn reads its templates from: --templates, else the ones shipped with remembrancer. */
import { resolve } from 'node:path';
import { bundledTemplatesRoot } from '../../spawn/templates.js';

export function templatesRoot(option: string | undefined, cwd: string): string {
  return option ? resolve(cwd, option) : bundledTemplatesRoot();
}
