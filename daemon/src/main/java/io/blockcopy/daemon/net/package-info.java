/**
 * Networking shared by the daemon's servers: listening on Unix sockets and loopback TCP.
 */
package io.blockcopy.daemon.net;
