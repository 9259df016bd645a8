package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.SplitMix64;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeNote.HitKind;

/**
 * The CPUs' views of the probed code are shared per publication ({@link CpuCodeView.Version}), and
 * each CPU still sees exactly the publications it has applied: CPUs that applied the same ones hold
 * the same version object; a CPU behind them still sees the older state; a version never changes
 * once made ({@link IntTrie} is persistent).
 */
class SharedCodeViewTest {

  private static final int[] ADDRS = {100, 200, 300};

  @Test
  void cpusThatAppliedTheSamePublicationsShareOneVersion() {
    CpuCodeView.Version initial = CpuCodeView.Version.initial(ADDRS);
    CpuCodeView a = new CpuCodeView(initial, true);
    CpuCodeView b = new CpuCodeView(initial, true);
    CpuCodeView c = new CpuCodeView(initial, true);
    List<CodeChange> p1 =
        List.of(
            new CodeChange.ProbeState(7, 200, false, 0, List.of(), List.of(), false),
            new CodeChange.Hashed(200, 7),
            new CodeChange.TextPoke(200, FirstByte.INT3));
    List<CodeChange> p2 =
        List.of(
            new CodeChange.ProbeState(1_000_000, 200, true, 4, List.of(7), List.of(0), false),
            new CodeChange.JumpWrite(200, 5, 1_000_000),
            new CodeChange.TailWrite(200, 1_000_000));
    a.apply(1, p1);
    b.apply(1, new ArrayList<>(p1)); // an equal copy of the publication (another node's)
    assertSame(a.version(), b.version(), "one version after publication 1");
    a.apply(2, p2);
    // b and c have not applied publication 2: they still see the breakpoint and no probe
    assertEquals(FirstByte.INT3, b.cell(200).firstByte());
    assertEquals(HitKind.INT3, b.execute(200, true).kind());
    assertEquals(FirstByte.ORIG, c.cell(200).firstByte());
    assertNull(c.execute(200, true), "c saw nothing published");
    assertEquals(FirstByte.JMP, a.cell(200).firstByte());
    assertEquals(HitKind.JUMP, a.execute(200, true).kind());
    c.apply(1, p1);
    c.apply(2, p2);
    b.apply(2, p2);
    assertSame(a.version(), c.version());
    assertSame(a.version(), b.version());
    // publications in order only
    assertThrows(IllegalStateException.class, () -> a.apply(4, List.of()));
    // another run's CPUs (another initial version) share nothing with these
    CpuCodeView other = new CpuCodeView(ADDRS, true);
    other.apply(1, p1);
    assertNotSame(a.version(), other.version());
    assertEquals(FirstByte.INT3, other.cell(200).firstByte());
    assertThrows(IllegalArgumentException.class, () -> a.cell(250));
  }

  /**
   * {@code kprobes-load}'s traceSha256 pinned from before the views were shared (each CPU had its
   * own {@code CpuCodeView}; re-pinned from main with channel order, 96d8bc7): {@code run
   * kprobes-load --set machine.cpus=6 --set kprobes.probes=400 --seed 3}, and 16 CPUs with 2,000
   * probes for 30 ms, seed 1.
   */
  @Test
  void kprobesLoadHashIsUnchanged() {
    assertEquals(
        "c246d78c2f60e6574a34b18a07fec73e4249436e11068cdfedbb6638231b9dc7",
        KprobesScenarioTest.run("kprobes-load", 3, "machine.cpus=6", "kprobes.probes=400")
            .traceSha256());
    assertEquals(
        "7a705492871b42e38d24e8da1da167d05555aa2b895310ddad5657167fb07051",
        KprobesScenarioTest.run(
                "kprobes-load", 1, "machine.cpus=16", "kprobes.probes=2000", "scenario.until=30ms")
            .traceSha256());
  }

  @Test
  void versionsArePersistent() {
    SplitMix64 r = new SplitMix64(42);
    IntTrie.Node root = IntTrie.EMPTY;
    Map<Integer, Integer> model = new HashMap<>();
    List<IntTrie.Node> roots = new ArrayList<>();
    List<Map<Integer, Integer>> models = new ArrayList<>();
    for (int batch = 0; batch < 200; batch++) {
      IntTrie.Edit e = new IntTrie.Edit();
      for (int k = 0; k < 1 + r.nextInt(40); k++) {
        // keys in two dense ranges, as probe ids and aggregator ids are
        int key = r.nextBoolean() ? r.nextInt(3000) : 1_000_000 + r.nextInt(500);
        Integer value = r.nextInt(4) == 0 ? null : r.nextInt();
        root = IntTrie.put(root, key, value, e);
        if (value == null) model.remove(key);
        else model.put(key, value);
      }
      e.close();
      roots.add(root);
      models.add(new HashMap<>(model));
    }
    // every version still reads as it did when it was made
    for (int v = 0; v < roots.size(); v++) {
      IntTrie.Node n = roots.get(v);
      Map<Integer, Integer> m = models.get(v);
      for (int key = 0; key < 3000; key += 7) assertEquals(m.get(key), IntTrie.get(n, key));
      for (Map.Entry<Integer, Integer> x : m.entrySet())
        assertEquals(x.getValue(), IntTrie.get(n, x.getKey()), "version " + v);
    }
    assertNull(IntTrie.get(IntTrie.EMPTY, 5));
  }
}
