export { EmbeddedMongo, type EmbeddedMongoOptions } from './server';
export { startMongoThread, type ThreadedMongo, type ThreadedMongoOptions } from './thread';
