package org.kernsim.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.esotericsoftware.kryo.Kryo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.Immutable;
import org.kernsim.engine.Simulation;
import org.kernsim.models.Models;

/**
 * What the copier copies and what it shares, for a speculative round's checkpoint of live state
 * (ADR 108), which a read from bytes never had to: a {@code List.of} of mutable objects, and
 * objects their class declares {@link Immutable}.
 */
class StateCopierTest {

  private static final Simulation SIM = Models.load("machine-stop", List.of()).build();

  private static Object[] copy(Object... roots) throws StateCopier.Uncopyable {
    Environment env = Environment.of(SIM);
    Kryo kryo = StateCodec.newKryo(SIM.stateClasses(), env);
    return new StateCopier(env).compile(kryo, roots).copy();
  }

  @Test
  void aListOfOfMutableObjectsIsCopiedAsAListOfTheirCopies() throws Exception {
    ArrayList<Integer> a = new ArrayList<>(List.of(1, 2));
    ArrayList<Integer> b = new ArrayList<>(List.of(3));
    List<ArrayList<Integer>> two = List.of(a, b);
    List<ArrayList<Integer>> three = List.of(a, b, a);
    Object[] c = copy(two, three, a);
    @SuppressWarnings("unchecked")
    List<ArrayList<Integer>> two2 = (List<ArrayList<Integer>>) c[0];
    @SuppressWarnings("unchecked")
    List<ArrayList<Integer>> three2 = (List<ArrayList<Integer>>) c[1];
    assertEquals(two, two2);
    assertEquals(three, three2);
    assertSame(two.getClass(), two2.getClass());
    assertSame(three.getClass(), three2.getClass());
    assertNotSame(a, two2.get(0));
    // one identity domain: the copies share what the originals share
    assertSame(two2.get(0), three2.get(0));
    assertSame(two2.get(0), three2.get(2));
    assertSame(c[2], two2.get(0));
    two2.get(0).add(9);
    assertEquals(List.of(1, 2), a);
    // a List.of of objects that cannot change is shared whole
    List<Integer> ints = List.of(1, 2, 3);
    assertSame(ints, copy(ints)[0]);
  }

  /** A state class that says it never changes (not registered: it is never read or written). */
  static final class Version implements Immutable {
    final int[] cells = {1, 2, 3};
  }

  @Test
  void anImmutableObjectIsSharedNotCopied() throws Exception {
    Version v = new Version();
    ArrayList<Object> holder = new ArrayList<>(List.of(v));
    Object[] c = copy(holder);
    assertNotSame(holder, c[0]);
    assertSame(v, ((ArrayList<?>) c[0]).get(0));
  }

  /**
   * The capacity probe is one stream per thread, reset after each use: probing tables one after
   * another — the same one again too — gives each its own capacity (without the reset, the stream
   * would write a back-reference the second time and no capacity at all).
   */
  @Test
  void hashTablesAreProbedForTheirCapacityOneAfterAnother() {
    java.util.HashMap<Integer, Integer> small = new java.util.HashMap<>();
    java.util.HashMap<Integer, Integer> big = new java.util.HashMap<>(256);
    for (int i = 0; i < 100; i++) big.put(i, i);
    java.util.HashSet<Integer> set = new java.util.HashSet<>(64);
    set.add(1);
    for (int round = 0; round < 3; round++) {
      assertEquals(16, StateCollections.capacity(small));
      assertEquals(256, StateCollections.capacity(big));
      assertEquals(64, StateCollections.capacity(set));
    }
  }
}
