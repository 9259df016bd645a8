package org.kernsim.cluster;

/** Bytes to send as they are, tagged with kernsim's serializer id and {@code manifest}. */
public record RawFrame(byte[] bytes, String manifest) {}
