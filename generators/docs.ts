/** README, SECURITY.md, LICENSE and AGENTS.md: who holds the copyright, and since when. */
import { common, type Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'docs',
  context: (input) => {
    const a = common(input);
    return { year: a.year, owner: a.owner };
  },
};
export default generator;
