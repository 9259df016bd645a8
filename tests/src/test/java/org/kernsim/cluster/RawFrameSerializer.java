package org.kernsim.cluster;

import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.kernsim.protocol.kryo.KryoSerializer;

/**
 * An outsider's serializer with kernsim's identifier: a {@link RawFrame} goes out as its bytes and
 * manifest, whatever they are; everything else (a real kernsim message, and what comes back) goes
 * through a real {@link KryoSerializer}.
 */
public final class RawFrameSerializer extends SerializerWithStringManifest {
  private final KryoSerializer real;

  public RawFrameSerializer(ExtendedActorSystem system) {
    this.real = new KryoSerializer(system);
  }

  @Override
  public int identifier() {
    return KryoSerializer.IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return o instanceof RawFrame f ? f.manifest() : real.manifest(o);
  }

  @Override
  public byte[] toBinary(Object o) {
    return o instanceof RawFrame f ? f.bytes() : real.toBinary(o);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return real.fromBinary(bytes, manifest);
  }
}
