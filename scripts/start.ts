import { runMain } from '../shared/main';

// Everything is imported only once runMain has started tracing (see runMain).
runMain('hiregraph', async (config) => {
  const { startAll } = await import('./start-all.js');
  return startAll(config);
});
