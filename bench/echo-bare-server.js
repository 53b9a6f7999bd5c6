'use strict';
/**
 * The physical limit of one hop for the `echo` bench: a bare Node `http` server that reads the
 * request body and answers pong, nothing else. It runs as its own process (forked by the
 * bench) so it never shares an event loop with the load generator, as the services do not.
 * It listens on an OS-chosen port and reports it over the IPC channel.
 */
const http = require('node:http');

const PONG = Buffer.from(JSON.stringify({ success: true, output: 'pong', tool: 'echo' }));

const server = http.createServer((req, res) => {
  // Read the body like the services must, so the comparison is of the same work on the wire.
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': PONG.length });
    res.end(PONG);
  });
});
// Same idle keep-alive as Fastify's default, so autocannon's connections stay open alike.
server.keepAliveTimeout = 72_000;

server.listen(0, '127.0.0.1', () => {
  if (process.send) process.send({ port: server.address().port });
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
