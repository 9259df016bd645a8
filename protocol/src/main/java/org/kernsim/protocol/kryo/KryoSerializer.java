package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * kernsim's Pekko serializer: every {@code WireMessage} (the binding is in {@code reference.conf}
 * of the cluster-config module) through Kryo with the fixed class ids of {@link KryoRegistry}. Kryo
 * instances and output buffers are pooled: Pekko calls a serializer from many threads, and a Kryo
 * instance is not thread-safe.
 */
public final class KryoSerializer extends SerializerWithStringManifest {

  /** Pekko keeps 0-40; this is kernsim's. */
  public static final int IDENTIFIER = 7_341_207;

  /** The manifest: the format version (class ids are inside the bytes). */
  static final String MANIFEST = "k1";

  private static final int INITIAL_BUFFER = 4096;
  private static final int KEEP_BUFFER = 1 << 20;

  private final ExtendedActorSystem system;
  private final int maxMessageBytes;
  private volatile ActorRefResolver resolver;
  private final Pool<Kryo> kryos;
  private final Pool<Output> outputs;

  public KryoSerializer(ExtendedActorSystem system) {
    this.system = system;
    String key = "kernsim.kryo.max-message-size";
    this.maxMessageBytes =
        system.settings().config().hasPath(key)
            ? (int) Math.min(Integer.MAX_VALUE - 16, system.settings().config().getBytes(key))
            : 16 << 20;
    this.kryos =
        new Pool<>(true, false, 64) {
          @Override
          protected Kryo create() {
            return KryoRegistry.newKryo(KryoSerializer.this::resolver);
          }
        };
    this.outputs =
        new Pool<>(true, false, 64) {
          @Override
          protected Output create() {
            return new Output(INITIAL_BUFFER, maxMessageBytes);
          }
        };
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      // not in the constructor: serializers are created while the system starts
      r = resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return r;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    Kryo kryo = kryos.obtain();
    Output out = outputs.obtain();
    try {
      kryo.writeClassAndObject(out, o);
      return out.toBytes();
    } finally {
      kryos.free(kryo);
      if (out.getBuffer().length <= KEEP_BUFFER) outputs.free(out);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MANIFEST.equals(manifest)) {
      throw new NotSerializableException("kernsim Kryo: unknown manifest '" + manifest + "'");
    }
    Kryo kryo = kryos.obtain();
    try {
      return kryo.readClassAndObject(new Input(bytes));
    } finally {
      kryos.free(kryo);
    }
  }
}
