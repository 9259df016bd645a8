package org.kernsim.actors.machine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * Allocates entity ids in blocks (CPUs, NUMA nodes, pools, workers...) and answers, for any id, its
 * name and placement key. Ids are dense and the allocation order is fixed by the model, so every
 * node of a cluster computes the same layout.
 */
public final class Layout {
  private record Block(int base, int count, IntFunction<String> name, IntUnaryOperator key) {}

  private final List<Block> blocks = new ArrayList<>();
  private int size;
  private final int placementKeys;

  /**
   * @param placementKeys the number of placement keys (usually the number of CPUs)
   */
  public Layout(int placementKeys) {
    this.placementKeys = Math.max(1, placementKeys);
  }

  /**
   * Adds {@code count} entities; {@code name} and {@code key} take the index within the block.
   *
   * @return the id of the block's first entity
   */
  public int add(int count, IntFunction<String> name, IntUnaryOperator key) {
    int base = size;
    blocks.add(new Block(base, count, name, key));
    size += count;
    return base;
  }

  public int size() {
    return size;
  }

  public int placementKeys() {
    return placementKeys;
  }

  public String name(int id) {
    Block b = block(id);
    return b == null ? "entity" + id : b.name.apply(id - b.base);
  }

  public int placementKey(int id) {
    Block b = block(id);
    return b == null ? 0 : Math.floorMod(b.key.applyAsInt(id - b.base), placementKeys);
  }

  private Block block(int id) {
    int lo = 0;
    int hi = blocks.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Block b = blocks.get(mid);
      if (id < b.base) hi = mid - 1;
      else if (id >= b.base + b.count) lo = mid + 1;
      else return b;
    }
    return null;
  }
}
