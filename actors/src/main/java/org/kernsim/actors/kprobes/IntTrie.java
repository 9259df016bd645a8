package org.kernsim.actors.kprobes;

/**
 * A persistent map from non-negative {@code int} keys to values: a 32-way trie over the key's bits
 * (7 levels), whose versions share every node they did not change. A change copies the path to its
 * key, unless the node was made by the same {@link Edit} (one batch of changes copies each node at
 * most once). A version is never changed once its edit is over, so versions can be shared by any
 * number of readers, on any thread.
 *
 * <p>It is what lets the CPUs of a kprobes run share their views of the probe table ({@link
 * CpuCodeView}): a view per publication, not per CPU and publication.
 */
final class IntTrie {
  private IntTrie() {}

  private static final int BITS = 5;
  private static final int WIDTH = 1 << BITS;
  private static final int TOP_SHIFT = 30;

  /** A node: {@code WIDTH} children (inner levels) or values (the last level). */
  static final class Node {
    final Object[] slots;

    /** The edit that made this node and may still change it in place (null: none). */
    transient Edit edit;

    Node(Object[] slots, Edit edit) {
      this.slots = slots;
      this.edit = edit;
    }
  }

  /** One batch of changes: the nodes it made may be changed in place until {@link #close}. */
  static final class Edit {
    private boolean open = true;

    void close() {
      open = false;
    }
  }

  /** The empty map. */
  static final Node EMPTY = new Node(new Object[WIDTH], null);

  /** The value of {@code key} in {@code root}, or null. */
  static Object get(Node root, int key) {
    check(key);
    Node n = root;
    for (int shift = TOP_SHIFT; shift > 0; shift -= BITS) {
      n = (Node) n.slots[(key >>> shift) & (WIDTH - 1)];
      if (n == null) return null;
    }
    return n.slots[key & (WIDTH - 1)];
  }

  /**
   * {@code root} with {@code key} mapped to {@code value} (null: removed), made within {@code
   * edit}: nodes of {@code root} that {@code edit} did not make are copied, never changed.
   */
  static Node put(Node root, int key, Object value, Edit edit) {
    check(key);
    return put(root, key, value, edit, TOP_SHIFT);
  }

  private static Node put(Node n, int key, Object value, Edit edit, int shift) {
    int i = (key >>> shift) & (WIDTH - 1);
    Node out = own(n, edit);
    if (shift == 0) {
      out.slots[i] = value;
      return out;
    }
    Node child = (Node) out.slots[i];
    if (child == null) {
      if (value == null) return out;
      child = new Node(new Object[WIDTH], edit);
    }
    out.slots[i] = put(child, key, value, edit, shift - BITS);
    return out;
  }

  private static Node own(Node n, Edit edit) {
    if (n.edit == edit && edit.open) return n;
    return new Node(n.slots.clone(), edit);
  }

  private static void check(int key) {
    if (key < 0) throw new IllegalArgumentException("negative key " + key);
  }
}
