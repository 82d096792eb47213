/** Every generator, one per concern, in the order their files are listed. */
import ci from '../../generators/ci.js';
import compose from '../../generators/compose.js';
import dockerfile from '../../generators/dockerfile.js';
import docs from '../../generators/docs.js';
import gitignore from '../../generators/gitignore.js';
import kubernetes from '../../generators/kubernetes.js';
import makefile from '../../generators/makefile.js';
import mcp from '../../generators/mcp.js';
import mq from '../../generators/mq.js';
import source from '../../generators/source.js';
import tests from '../../generators/tests.js';
import type { Generator } from './types.js';

export const GENERATORS: Generator[] = [
  source,
  tests,
  dockerfile,
  compose,
  kubernetes,
  ci,
  docs,
  makefile,
  gitignore,
  mcp,
  mq,
];
