// One copy of the timing helpers: the embedded MongoDB package's, as that package is standalone
// and cannot import from the project, while the project may import from it.
export { fmt, percentile, table, timeEach } from '../packages/embedded-mongo/bench/stats';
