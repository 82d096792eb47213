/**
 * Stands in for `yoga-layout` inside the vendor bundle. The package sets itself up with a
 * top-level await, which CommonJS cannot hold; this module hands Ink an object that
 * initYoga() fills before anything is drawn (Ink reads Yoga only when it lays out).
 */
import { loadYoga } from 'yoga-layout/load';

export * from 'yoga-layout/load';

type YogaApi = Awaited<ReturnType<typeof loadYoga>>;
const Yoga = {} as YogaApi;
export default Yoga;

let ready: Promise<void> | undefined;
export function initYoga(): Promise<void> {
  ready ??= loadYoga().then((api) => {
    Object.assign(Yoga, api);
  });
  return ready;
}
