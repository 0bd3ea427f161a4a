/**
 * A small strict JSON reader and writer for the QMP control socket, whose writer also prints the
 * CLI's {@code --json} lines: RFC 8259 text to plain Java values (ordered maps, lists, strings,
 * longs, doubles, booleans, null) and back. Strict means no extensions (no single quotes, no
 * comments, no trailing commas), no duplicate keys, valid UTF-8 and a nesting limit.
 */
package io.blockcopy.daemon.json;
