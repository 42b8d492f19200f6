// Healthcheck for the one-node replica set: initiates "rs0" the first time (the member is named
// "mongodb:27017", the compose service name; clients on the host connect with
// directConnection=true), then succeeds only once this node is primary.
try {
  rs.status();
} catch (error) {
  rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongodb:27017' }] });
}
if (!db.hello().isWritablePrimary) {
  quit(1);
}
