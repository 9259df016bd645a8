package org.kernsim.protocol.cpu;

import org.kernsim.protocol.WireMessage;

/** A task's own timer: the compute segment numbered {@code token} ended. */
public record SegmentDone(long token) implements WireMessage {}
