import { MongoClient } from 'mongodb';
import { countMongoCommands, observeMongoPool, type Metrics } from '../metrics';

/** A driver client with command monitoring feeding the process's metrics. */
export async function connectMongo(uri: string, metrics: Metrics, appName: string): Promise<MongoClient> {
  const client = new MongoClient(uri, { monitorCommands: true, appName, serverSelectionTimeoutMS: 10_000 });
  countMongoCommands(client, metrics.mongoCommands);
  observeMongoPool(client, metrics.registry, client.options.maxPoolSize);
  await client.connect();
  return client;
}
