package org.kernsim.engine.schedule.guided;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.kernsim.engine.SplitMix64;

/**
 * The corpus of a coverage-guided exploration (as AFL keeps inputs that reached new coverage and
 * Go-Explore keeps the cells it reached, Ecoffet et al., Nature 2021): the points, each a chain
 * ({@link Chains}) and the virtual time just after a schedule first reached an abstract state or
 * transition no schedule had reached before, from which further schedules go on under fresh
 * perturbations.
 *
 * <p>Which point to go on from is drawn with probability proportional to its energy ({@link
 * #weight}): a point continued rarely, whose new states are still rare (few schedules reached
 * them), and whose continuations found new states or violations (recently, above all) gets more.
 * Everything here is a function of what was folded in, in order, and of the random stream the
 * caller passes: the same exploration seed gives the same picks.
 */
public final class Corpus {

  /** Schedules during which a point just added or just productive counts as recent. */
  public static final long RECENT = 256;

  /** One point of the corpus. */
  public static final class Entry {
    private final int id;
    private final Entry parent;
    private final long seed;
    private final List<Step> steps;
    private final long at;
    private final long[] keys;
    private final long born;
    private int chosen;
    private int productive;
    private long lastProductive = -1;
    private boolean dead;
    private double novelty;
    private boolean stale = true; // its novelty is to be summed again (a key of it was reached)

    Entry(int id, Entry parent, long seed, List<Step> steps, long at, long[] keys, long born) {
      this.id = id;
      this.parent = parent;
      this.seed = seed;
      this.steps = List.copyOf(steps);
      this.at = at;
      this.keys = keys.clone();
      this.born = born;
    }

    /** Its number, in the order points were added (0-based). */
    public int id() {
      return id;
    }

    /** The point it was reached from (null: a plain run of its seed). */
    public Entry parent() {
      return parent;
    }

    public long seed() {
      return seed;
    }

    /** The forks of the schedule that reached it (empty: the plain run of its seed). */
    public List<Step> steps() {
      return steps;
    }

    /** The time of the point: just after the new state was reached. */
    public long at() {
      return at;
    }

    /** The states and transitions it was the first to reach. */
    long[] keys() {
      return keys.clone();
    }

    /** The chain of a schedule going on from here under {@code perturbation}. */
    public List<Step> continued(long perturbation) {
      List<Step> c = new ArrayList<>(steps);
      c.add(new Step(at, perturbation));
      return c;
    }

    public int chosen() {
      return chosen;
    }

    public int productive() {
      return productive;
    }

    /** A point its schedule's run never reaches (it ended before): never picked. */
    public boolean dead() {
      return dead;
    }
  }

  private final List<Entry> entries = new ArrayList<>();

  /**
   * Per state or transition reached: the schedules that reached it, and the points that were first
   * to reach it (one, but {@link #add} does not insist): a point's novelty is summed again only
   * after a schedule reached one of its keys, so a draw costs a few multiplications per point, not
   * a hash look-up per key of every point. One open-addressing table of primitive keys (a schedule
   * folds in hundreds of keys; boxed maps made that a twentieth of a guided exploration's time).
   */
  private final Keys keys = new Keys();

  /** Whether a schedule has reached {@code key} (a state or transition). */
  public boolean seen(long key) {
    return keys.hits(key) > 0;
  }

  /** The states and transitions reached so far. */
  public int seenCount() {
    return keys.size;
  }

  /** Schedules that reached {@code key}. */
  public int hits(long key) {
    return keys.hits(key);
  }

  public List<Entry> entries() {
    return java.util.Collections.unmodifiableList(entries);
  }

  public int size() {
    return entries.size();
  }

  /** One schedule reached {@code keys} (its states and transitions); returns those new to all. */
  public long[] reached(Collection<Long> keys) {
    return reached(keys, List.of());
  }

  /**
   * One schedule reached {@code states} and {@code transitions}; returns those new to all (in that
   * order: the states, then the transitions, each in its collection's order).
   */
  public long[] reached(Collection<Long> states, Collection<Long> transitions) {
    long[] fresh = new long[states.size() + transitions.size()];
    int n = 0;
    for (Collection<Long> c : List.of(states, transitions))
      for (long k : c) {
        int slot = keys.hit(k);
        if (keys.hits[slot] == 1) fresh[n++] = k;
        else stale(keys.owners[slot]);
      }
    return java.util.Arrays.copyOf(fresh, n);
  }

  /**
   * Adds a point: schedule number {@code index} (seed {@code seed}, chain {@code steps}, gone on
   * from {@code parent} or, if null, a plain run) first reached {@code keys} before {@code at}.
   */
  @SuppressWarnings("unchecked")
  public Entry add(Entry parent, long seed, List<Step> steps, long at, long[] keys, long index) {
    if (keys.length == 0) throw new IllegalArgumentException("a point reached nothing new");
    Entry e = new Entry(entries.size(), parent, seed, steps, at, keys, index);
    entries.add(e);
    for (long k : keys) {
      int slot = this.keys.slot(k);
      Object o = this.keys.owners[slot];
      if (o == null) this.keys.owners[slot] = e;
      else if (o instanceof Entry other)
        this.keys.owners[slot] = new ArrayList<>(List.of(other, e));
      else if (o instanceof List<?> l) ((List<Object>) l).add(e);
    }
    return e;
  }

  private static void stale(Object owner) {
    if (owner instanceof Entry e) e.stale = true;
    else if (owner instanceof List<?> l) for (Object e : l) ((Entry) e).stale = true;
  }

  /** {@code e} was picked to go on from. */
  public void chosen(Entry e) {
    e.chosen++;
  }

  /** A draw of {@code e} taken back (its batch is planned again). */
  public void unchosen(Entry e) {
    e.chosen--;
  }

  /** A schedule gone on from {@code e} (number {@code index}) found something new or violated. */
  public void productive(Entry e, long index) {
    e.productive++;
    e.lastProductive = Math.max(e.lastProductive, index);
  }

  /** {@code e} cannot be reached again (its run ended before its time). */
  public void dead(Entry e) {
    e.dead = true;
  }

  /**
   * The energy of {@code e} after {@code done} schedules: {@code novelty^2 x (1 + 2 productive) /
   * sqrt(1 + chosen) x recency}, where novelty is {@code sum 1/h(k)} over the states and
   * transitions {@code k} it was the first to reach, {@code h(k)} the schedules that have reached
   * {@code k} since (a point that reached many new things, still rare, weighs most: a schedule near
   * a rare race reaches many states no other did), and recency is 2 while it was added or
   * productive within the last {@value #RECENT} schedules, else 1. A dead point has none.
   */
  public double weight(Entry e, long done) {
    if (e.dead) return 0;
    if (e.stale) {
      double sum = 0;
      for (long k : e.keys) sum += 1.0 / Math.max(1, hits(k));
      e.novelty = sum;
      e.stale = false;
    }
    double novelty = e.novelty;
    double w = novelty * novelty * (1 + 2.0 * e.productive) / Math.sqrt(1 + e.chosen);
    long last = Math.max(e.born, e.lastProductive);
    return done - last <= RECENT ? 2 * w : w;
  }

  /**
   * Draws {@code n} points, each with probability proportional to its energy as it is now (null
   * entries if the corpus has none with energy). Each draw counts as chosen.
   */
  public List<Entry> pick(int n, long done, SplitMix64 random) {
    double[] cum = new double[entries.size()];
    double sum = 0;
    for (int i = 0; i < cum.length; i++) cum[i] = sum += weight(entries.get(i), done);
    List<Entry> out = new ArrayList<>(n);
    for (int j = 0; j < n; j++) {
      double u = random.nextDouble() * sum;
      if (sum <= 0) {
        out.add(null);
        continue;
      }
      int lo = 0;
      int hi = cum.length - 1;
      while (lo < hi) { // the first cum > u: never a point without energy
        int mid = (lo + hi) >>> 1;
        if (cum[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      int i = lo;
      Entry e = entries.get(i);
      chosen(e);
      out.add(e);
    }
    return out;
  }

  /**
   * The keys reached: an open-addressing table (linear probing, at most half full) of primitive
   * keys with their hit counts and owners. A key is in it once a schedule reached it ({@link #hit})
   * or a point was added with it ({@link #slot}); {@code hits} 0 means only the latter.
   */
  private static final class Keys {
    long[] keys = new long[1024];
    int[] hits = new int[1024];
    Object[] owners = new Object[1024];
    boolean[] used = new boolean[1024];
    int size; // keys with hits > 0
    int slots; // used slots

    private static int mix(long k) {
      long h = k * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32));
    }

    private int find(long k) {
      int mask = keys.length - 1;
      int i = mix(k) & mask;
      while (used[i] && keys[i] != k) i = (i + 1) & mask;
      return i;
    }

    int hits(long k) {
      int i = find(k);
      return used[i] ? hits[i] : 0;
    }

    /** The slot of {@code k}, made if new. */
    int slot(long k) {
      int i = find(k);
      if (!used[i]) {
        if (2 * (slots + 1) > keys.length) {
          grow();
          i = find(k);
        }
        used[i] = true;
        keys[i] = k;
        slots++;
      }
      return i;
    }

    /** One more schedule reached {@code k}; its slot. */
    int hit(long k) {
      int i = slot(k);
      if (hits[i]++ == 0) size++;
      return i;
    }

    private void grow() {
      long[] k0 = keys;
      int[] h0 = hits;
      Object[] o0 = owners;
      boolean[] u0 = used;
      int n = k0.length * 2;
      keys = new long[n];
      hits = new int[n];
      owners = new Object[n];
      used = new boolean[n];
      for (int j = 0; j < k0.length; j++) {
        if (!u0[j]) continue;
        int i = find(k0[j]);
        used[i] = true;
        keys[i] = k0[j];
        hits[i] = h0[j];
        owners[i] = o0[j];
      }
    }
  }
}
