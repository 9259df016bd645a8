package org.kernsim.engine;

/**
 * Which partition runs which entity: placement keys are cut into {@code partitions} contiguous
 * blocks, so entities that share a key (a CPU and its pools and workers) share a partition, and
 * neighbouring keys tend to as well. Cluster nodes take contiguous ranges of partitions.
 */
public final class Placement {
  private final int partitions;
  private final long lookahead;
  private final int[] partitionOf;
  private final int[] slotOf;
  private final int[][] members;

  public Placement(Simulation sim, int partitions) {
    if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1");
    this.partitions = partitions;
    this.lookahead = sim.lookahead();
    int n = sim.entityCount();
    int keys = Math.max(1, sim.placementKeys());
    partitionOf = new int[n];
    slotOf = new int[n];
    int[] sizes = new int[partitions];
    for (int id = 0; id < n; id++) {
      int key = sim.placementKey(id);
      if (key < 0 || key >= keys) {
        throw new IllegalStateException(
            "placement key " + key + " of " + sim.entityName(id) + " out of range");
      }
      int p = (int) ((long) key * partitions / keys);
      partitionOf[id] = p;
      slotOf[id] = sizes[p]++;
    }
    members = new int[partitions][];
    for (int p = 0; p < partitions; p++) members[p] = new int[sizes[p]];
    for (int id = 0; id < n; id++) members[partitionOf[id]][slotOf[id]] = id;
  }

  public int partitions() {
    return partitions;
  }

  /** The simulation's lookahead (the width of a window). */
  public long lookahead() {
    return lookahead;
  }

  public int partitionOf(int id) {
    return partitionOf[id];
  }

  public int slotOf(int id) {
    return slotOf[id];
  }

  /** The entity ids of partition {@code p}, in slot order (ascending ids). */
  public int[] members(int p) {
    return members[p];
  }

  /** The node (of {@code nodes}) that hosts partition {@code p}: contiguous ranges. */
  public static int nodeOfPartition(int p, int partitions, int nodes) {
    return (int) ((long) p * nodes / partitions);
  }
}
