package org.kernsim.protocol;

/**
 * Marker for every message that may cross nodes. The Pekko serialization binding maps this
 * interface to the Kryo serializer ({@code org.kernsim.protocol.kryo.KryoSerializer}); every
 * concrete class that implements it must appear in {@code KryoRegistry}.
 */
public interface WireMessage {}
