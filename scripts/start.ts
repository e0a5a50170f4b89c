import { runMain } from '../shared/main';

// `npm start` is the local development composition: the published development secrets are
// allowed only under NODE_ENV=development, so it says so unless told otherwise.
process.env.NODE_ENV ||= 'development';

// Everything is imported only once runMain has started tracing (see runMain).
runMain('hiregraph', async (config) => {
  const { startAll } = await import('./start-all.js');
  return startAll(config);
});
