package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import com.typesafe.config.Config;
import java.io.NotSerializableException;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * kernsim's Pekko serializer: every {@code WireMessage} (the binding is in {@code reference.conf}
 * of the cluster-config module) through Kryo with the fixed class ids of {@link KryoRegistry}. Kryo
 * instances and output buffers are pooled: Pekko calls a serializer from many threads, and a Kryo
 * instance is not thread-safe.
 *
 * <p>It never trusts a received frame: anyone who can reach a node's port can send one, tagged with
 * this serializer's id. A frame larger than {@code kernsim.kryo.max-message-size}, a length beyond
 * the bytes left of the frame or {@code max-elements}, objects nested deeper than {@code
 * max-depth}, a reference that is not an actor of this cluster, a class name, trailing bytes — any
 * frame that does not decode to exactly one kernsim message — is refused with a {@link
 * NotSerializableException} of one line, which Artery logs (one line, with the sender's address)
 * before it drops the frame and keeps the connection.
 *
 * <p>With a cluster token ({@code kernsim.cluster.auth.token}), every frame starts with an
 * HMAC-SHA256 tag keyed from it (manifest {@code k1a}), and a frame whose tag is wrong is refused
 * before Kryo reads a byte: only holders of the token can have a kernsim message decoded.
 */
public final class KryoSerializer extends SerializerWithStringManifest {

  /** Pekko keeps 0-40; this is kernsim's. */
  public static final int IDENTIFIER = 7_341_207;

  /** The manifest: the format version (class ids are inside the bytes). */
  static final String MANIFEST = "k1";

  /**
   * The manifest of an authenticated frame: {@link ClusterToken#TAG_BYTES} of HMAC-SHA256 keyed
   * from the cluster token, then the Kryo bytes.
   */
  static final String AUTHENTICATED = "k1a";

  private static final int INITIAL_BUFFER = 4096;
  private static final int KEEP_BUFFER = 1 << 20;

  private final ExtendedActorSystem system;
  private final WireLimits limits;
  private final int maxMessageBytes;
  private volatile ActorRefResolver resolver;
  private final Pool<Kryo> kryos;
  private final Pool<Output> outputs;
  private final LongAdder decoded = new LongAdder();
  private final LongAdder refused = new LongAdder();

  /** Null without a cluster token: frames are then not authenticated. */
  private final Pool<Mac> macs;

  public KryoSerializer(ExtendedActorSystem system) {
    this.system = system;
    this.limits = limits(system.settings().config());
    this.maxMessageBytes = limits.maxMessageBytes();
    this.kryos =
        new Pool<>(true, false, 64) {
          @Override
          protected Kryo create() {
            return KryoRegistry.newKryo(KryoSerializer.this::resolver, system.name(), limits);
          }
        };
    this.outputs =
        new Pool<>(true, false, 64) {
          @Override
          protected Output create() {
            return new Output(INITIAL_BUFFER, maxMessageBytes);
          }
        };
    String key = "kernsim.cluster.auth.token";
    String token =
        system.settings().config().hasPath(key) ? system.settings().config().getString(key) : "";
    this.macs =
        token.isEmpty()
            ? null
            : new Pool<>(true, false, 64) {
              @Override
              protected Mac create() {
                return ClusterToken.frameMac(token);
              }
            };
  }

  /** {@code kernsim.kryo.*} of {@code config} (the defaults where a key is missing). */
  static WireLimits limits(Config config) {
    WireLimits d = WireLimits.DEFAULT;
    return new WireLimits(
        config.hasPath("kernsim.kryo.max-message-size")
            ? (int)
                Math.min(Integer.MAX_VALUE - 16, config.getBytes("kernsim.kryo.max-message-size"))
            : d.maxMessageBytes(),
        config.hasPath("kernsim.kryo.max-elements")
            ? config.getInt("kernsim.kryo.max-elements")
            : d.maxElements(),
        config.hasPath("kernsim.kryo.max-depth")
            ? config.getInt("kernsim.kryo.max-depth")
            : d.maxDepth());
  }

  /** Frames decoded to a message since this node started. */
  public long decodedFrames() {
    return decoded.sum();
  }

  /** Frames refused (malformed, too large, unknown manifest) since this node started. */
  public long refusedFrames() {
    return refused.sum();
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
    return macs == null ? MANIFEST : AUTHENTICATED;
  }

  @Override
  public byte[] toBinary(Object o) {
    Kryo kryo = kryos.obtain();
    Output out = outputs.obtain();
    try {
      kryo.writeClassAndObject(out, o);
      if (macs == null) return out.toBytes();
      Mac mac = macs.obtain();
      try {
        return ClusterToken.sign(mac, out.getBuffer(), out.position());
      } finally {
        macs.free(mac);
      }
    } finally {
      kryos.free(kryo);
      if (out.getBuffer().length <= KEEP_BUFFER) outputs.free(out);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    int start = 0;
    if (macs == null) {
      if (AUTHENTICATED.equals(manifest))
        throw refuse(bytes, "an authenticated frame, but this node has no cluster token");
      if (!MANIFEST.equals(manifest)) throw refuse(bytes, "unknown manifest");
    } else {
      if (MANIFEST.equals(manifest))
        throw refuse(bytes, "not authenticated (this node needs frames with the cluster token)");
      if (!AUTHENTICATED.equals(manifest)) throw refuse(bytes, "unknown manifest");
      start = ClusterToken.TAG_BYTES;
    }
    if (bytes.length > maxMessageBytes + start)
      throw refuse(bytes, "larger than kernsim.kryo.max-message-size (" + maxMessageBytes + ")");
    if (macs != null) {
      Mac mac = macs.obtain();
      boolean ok;
      try {
        ok = ClusterToken.verify(mac, bytes);
      } finally {
        macs.free(mac);
      }
      if (!ok) throw refuse(bytes, "not authenticated (another cluster token, or altered)");
    }
    Kryo kryo = kryos.obtain();
    try {
      WireInput in = new WireInput(bytes, start, bytes.length - start, limits);
      Object o = kryo.readClassAndObject(in);
      if (o == null) throw new MalformedFrameException("null");
      if (in.remaining() > 0)
        throw new MalformedFrameException(in.remaining() + " bytes after the message");
      decoded.increment();
      return o;
    } catch (RuntimeException e) {
      kryo.reset();
      throw refuse(bytes, firstLine(e));
    } finally {
      kryos.free(kryo);
    }
  }

  private NotSerializableException refuse(byte[] bytes, String why) {
    refused.increment();
    return new StacklessNotSerializable(
        "kernsim Kryo: refused a frame of " + bytes.length + " bytes: " + why);
  }

  /**
   * The first line of an exception's message, at most 160 characters of printable ASCII (Kryo adds
   * a serialization trace on further lines; a message may quote bytes of the frame).
   */
  static String firstLine(Throwable e) {
    String m = e.getMessage();
    if (m == null) return e.getClass().getSimpleName();
    int nl = m.indexOf('\n');
    if (nl >= 0) m = m.substring(0, nl);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < m.length() && b.length() < 160; i++) {
      char c = m.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (b.length() >= 160) b.append("...");
    return b.toString();
  }

  /** One line in the log, no stack trace: a hostile sender may send many. */
  private static final class StacklessNotSerializable extends NotSerializableException {
    private static final long serialVersionUID = 1L;

    StacklessNotSerializable(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
