import { requireMongoUri, runMain } from '../../shared/main';
import { startWorker } from './worker';

runMain('worker', (config) => startWorker({ config, mongoUri: requireMongoUri(config, 'worker') }));
