// Runs dynalite in its own process (a second core for the local DynamoDB), reporting its port.
const dynalite = require('dynalite');
const options = JSON.parse(process.argv[2] || '{}');
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...options });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
