package org.kernsim.protocol.phold;

import org.kernsim.protocol.WireMessage;

/** The PHOLD event: it hops to a random entity until its time-to-live runs out. */
public record Hop(int ttl) implements WireMessage {}
