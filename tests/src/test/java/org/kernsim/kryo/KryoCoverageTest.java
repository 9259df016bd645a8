package org.kernsim.kryo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.kryo.KryoRegistry;

/**
 * The Kryo table covers the protocol: every concrete {@code WireMessage} class of the protocol
 * module (found by listing its class files, so a new package is found as soon as it exists), and
 * every kernsim record or enum they carry, has a fixed id. A class missing from the table is named.
 */
class KryoCoverageTest {

  @Test
  void everyProtocolClassIsRegistered() {
    List<Class<?>> wire = ProtocolClasses.wireMessages();
    assertTrue(wire.size() >= 40, "found only " + wire.size() + " WireMessage classes: " + wire);
    Set<String> missing = new TreeSet<>();
    for (Class<?> c : wire) {
      for (Class<?> k : ProtocolClasses.closure(c)) {
        if (!KryoRegistry.isRegistered(k))
          missing.add(k.getName() + (k == c ? "" : " (in " + c.getSimpleName() + ")"));
      }
    }
    if (!missing.isEmpty()) {
      fail(
          "classes missing from org.kernsim.protocol.kryo.KryoRegistry.TABLE (add one line each, in "
              + "the package's id range):\n  "
              + String.join("\n  ", missing));
    }
  }

  @Test
  void nestedPayloadRecordsOfTheProtocolAreRegisteredToo() {
    // records that are not WireMessages themselves but travel inside them (Event, MetricsSnapshot)
    Set<String> missing = new TreeSet<>();
    for (Class<?> c : ProtocolClasses.all()) {
      if (ProtocolClasses.isConcrete(c)
          && (c.isRecord() || c.isEnum())
          && !KryoRegistry.isRegistered(c)) {
        missing.add(c.getName());
      }
    }
    assertEquals(Set.of(), missing, "protocol records/enums missing from KryoRegistry.TABLE");
  }

  @Test
  void idsAreFixedUniqueAndAtLeast20() {
    Set<Integer> ids = new HashSet<>();
    Set<Class<?>> types = new HashSet<>();
    for (KryoRegistry.Entry e : KryoRegistry.TABLE) {
      assertTrue(e.id() >= KryoRegistry.FIRST_ID, "id " + e.id() + " of " + e.type());
      assertTrue(ids.add(e.id()), "id " + e.id() + " used twice");
      assertTrue(types.add(e.type()), e.type() + " registered twice");
    }
    assertTrue(ids.size() >= 20);
    // the engine's protocol starts at 100 and the ActorRef row is 20, on every node
    assertEquals(org.apache.pekko.actor.typed.ActorRef.class, KryoRegistry.TABLE.get(0).type());
    assertEquals(20, KryoRegistry.TABLE.get(0).id());
    KryoRegistry.newKryo(() -> null); // registers without conflicts
    assertTrue(WireMessage.class.isInterface());
  }
}
