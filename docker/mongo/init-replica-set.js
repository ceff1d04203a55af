// Health check of the single-node replica set: initiates it on first run, then reports whether
// this node is the primary. The app needs a primary (transactions), so "healthy" means writable.
try {
  rs.status();
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
}
if (!db.hello().isWritablePrimary) quit(1);
