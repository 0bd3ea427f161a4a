/**
 * The NBD server: exports kernel devices over the Network Block Device protocol (fixed newstyle
 * handshake, simple replies) on Unix sockets and loopback TCP. Each connection is a guest of the
 * kernel with its own guest port, so NBD writes take the copy-before-write path of running backups.
 * Start with {@link io.blockcopy.daemon.nbd.NbdServer}; {@code docs/nbd.md} describes coverage and limits.
 */
package io.blockcopy.daemon.nbd;
