// The app's tests use the embedded package's test MongoDB: MONGODB_URI when set, else an embedded server.
export { startTestMongo, uniqueDbName, type TestMongo } from '@hiregraph/embedded-mongo/testing';
