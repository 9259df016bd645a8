package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.ActorPaths;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * A typed ActorRef as its serialization format (a full actor path with the node's address).
 *
 * <p>A received reference is checked before Pekko sees it: a string (never null: Pekko 1.7's
 * resolve cache hashes the string through {@code Unsafe} without a null check, and a null crashes
 * the JVM), of at most {@value #MAX_CHARS} characters, that parses as an actor path of the {@code
 * pekko} protocol in this cluster's ActorSystem ({@code systemName}), with a host and a port when
 * it names one.
 */
final class ActorRefSerializer extends Serializer<ActorRef<?>> {
  /** Longer than any path kernsim uses (a run id, a partition, an entity id and a uid). */
  static final int MAX_CHARS = 1024;

  private final Supplier<ActorRefResolver> resolver;
  private final String systemName;

  /**
   * @param systemName the ActorSystem every reference must belong to (null: any)
   */
  ActorRefSerializer(Supplier<ActorRefResolver> resolver, String systemName) {
    super(false, true);
    this.resolver = resolver;
    this.systemName = systemName;
  }

  @Override
  public void write(Kryo kryo, Output output, ActorRef<?> ref) {
    output.writeString(resolver.get().toSerializationFormat(ref));
  }

  @Override
  public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
    String s = input.readString();
    return resolver.get().resolveActorRef(validate(s, systemName));
  }

  /** {@code s} if it is a reference to an actor of {@code systemName}; else a malformed frame. */
  static String validate(String s, String systemName) {
    if (s == null) throw new MalformedFrameException("ActorRef: null");
    if (s.length() > MAX_CHARS)
      throw new MalformedFrameException("ActorRef: " + s.length() + " characters");
    ActorPath path;
    try {
      path = ActorPaths.fromString(s);
    } catch (Exception e) { // MalformedURLException (undeclared: Scala) or a RuntimeException
      throw new MalformedFrameException("ActorRef: not an actor path");
    }
    Address a = path.address();
    if (!"pekko".equals(a.protocol()))
      throw new MalformedFrameException("ActorRef: not a pekko:// path");
    if (systemName != null && !systemName.equals(a.system()))
      throw new MalformedFrameException("ActorRef: not in this cluster's ActorSystem");
    if (a.host().isDefined() != a.port().isDefined())
      throw new MalformedFrameException("ActorRef: a host without a port");
    return s;
  }
}
