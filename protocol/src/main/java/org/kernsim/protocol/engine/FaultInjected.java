package org.kernsim.protocol.engine;

import org.kernsim.protocol.WireMessage;

/**
 * A note: the fault plan changed a message from {@code src} to {@code dst} of type {@code type}:
 * {@code kind} is {@code delay} (by {@code extraNanos}) or {@code drop}.
 */
public record FaultInjected(String kind, int src, int dst, String type, long extraNanos)
    implements WireMessage {}
