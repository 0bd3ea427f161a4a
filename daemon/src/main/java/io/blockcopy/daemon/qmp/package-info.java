/**
 * The QMP-compatible control socket: {@link io.blockcopy.daemon.qmp.QmpDaemon} speaks QEMU's Machine
 * Protocol (greeting, capabilities negotiation, commands with QEMU's argument names and error
 * classes, asynchronous events) over Unix sockets and loopback TCP, so scripts written for
 * {@code qemu-storage-daemon} drive blockcopy's kernel, and exports its nodes over NBD. One handler
 * class per command family; {@code docs/qmp.md} lists the commands and the differences from QEMU.
 */
package io.blockcopy.daemon.qmp;
