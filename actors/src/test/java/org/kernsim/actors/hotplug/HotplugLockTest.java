package org.kernsim.actors.hotplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.hotplug.HotplugLock.Kind;
import org.kernsim.actors.hotplug.HotplugLock.WriterState;

/** {@code cpu_hotplug_lock} of both eras, step by step. */
class HotplugLockTest {
  static final int READER = 10;
  static final int OTHER = 11;
  static final int WRITER = 20;

  @Test
  void percpuRwsemReadersTakeTheFastPathWhileTheWriterWaitsForItsGracePeriod() {
    HotplugLock l = new HotplugLock(Kind.PERCPU_RWSEM);
    assertEquals(1, l.readLock(READER, READER, 1, "stop_machine"));
    assertEquals(WriterState.RCU_SYNC, l.writeLock(WRITER));
    assertEquals(1, l.readLock(OTHER, OTHER, 2, "x"), "rcu_sync not yet entered: fast path");
    assertEquals(WriterState.WAIT_READERS, l.gracePeriodPassed());
    assertFalse(l.readUnlock(READER));
    assertTrue(l.readUnlock(OTHER), "the last reader lets the writer in");
    assertEquals(WriterState.HELD, l.writerState());
  }

  @Test
  void percpuRwsemBlocksNewReadersOnceTheWriterSetBlock() {
    HotplugLock l = new HotplugLock(Kind.PERCPU_RWSEM);
    l.writeLock(WRITER);
    assertEquals(WriterState.HELD, l.gracePeriodPassed(), "no reader: the writer has it");
    assertEquals(0, l.readLock(READER, READER, 7, "cpus_read_lock"));
    assertEquals(0, l.readLock(OTHER, 99, 8, "cpus_read_lock"));
    List<HotplugLock.Grant> g = l.writeUnlock();
    assertEquals(2, g.size());
    assertEquals(READER, g.get(0).holder(), "FIFO");
    assertEquals(7, g.get(0).token());
    assertEquals(99, g.get(1).replyTo());
    assertEquals(WriterState.NONE, l.writerState());
    assertTrue(l.holdsRead(READER) && l.holdsRead(OTHER));
  }

  @Test
  void percpuRwsemRecursiveReadBehindAWriterDeadlocks() {
    // SM-2: stop_machine() inside a cpus_read_lock() section while cpu_down() comes in between
    HotplugLock l = new HotplugLock(Kind.PERCPU_RWSEM);
    assertEquals(1, l.readLock(READER, READER, 1, "caller"));
    l.writeLock(WRITER);
    assertEquals(WriterState.WAIT_READERS, l.gracePeriodPassed());
    assertEquals(-1, l.deadlockedReader(), "not yet: the reader may still release");
    assertEquals(0, l.readLock(READER, READER, 2, "stop_machine"));
    assertTrue(l.waiters().get(0).recursive());
    assertEquals(READER, l.deadlockedReader());
  }

  @Test
  void percpuRwsemRecursiveReadWithoutAWriterIsGranted() {
    HotplugLock l = new HotplugLock(Kind.PERCPU_RWSEM);
    l.readLock(READER, READER, 1, "a");
    assertEquals(
        2, l.readLock(READER, READER, 2, "b"), "works until a writer comes (lockdep warns)");
    l.readUnlock(READER);
    l.readUnlock(READER);
    assertFalse(l.holdsRead(READER));
    assertThrows(IllegalStateException.class, () -> l.readUnlock(READER));
  }

  @Test
  void refcountWriterDoesNotBlockReadersUntilItHoldsTheMutex() {
    // v3.8 cpu_hotplug_begin(): the writer loops with the mutex dropped while refcount != 0
    HotplugLock l = new HotplugLock(Kind.REFCOUNT);
    l.readLock(READER, READER, 1, "get_online_cpus");
    assertEquals(WriterState.WAIT_READERS, l.writeLock(WRITER), "no rcu_sync in v3.8");
    assertEquals(2, l.readLock(READER, READER, 2, "nested"), "a nested read gets in: no deadlock");
    assertEquals(-1, l.deadlockedReader());
    assertFalse(l.readUnlock(READER));
    assertTrue(l.readUnlock(READER));
    assertEquals(WriterState.HELD, l.writerState());
    assertEquals(0, l.readLock(OTHER, OTHER, 3, "get_online_cpus"), "the writer holds the mutex");
    assertEquals(1, l.readLock(WRITER, WRITER, 4, "own"), "active_writer == current");
    assertFalse(l.readUnlock(WRITER));
    assertEquals(1, l.writeUnlock().size());
  }

  @Test
  void oneWriterAtATime() {
    HotplugLock l = new HotplugLock(Kind.PERCPU_RWSEM);
    l.writeLock(WRITER);
    assertThrows(IllegalStateException.class, () -> l.writeLock(OTHER));
    assertThrows(IllegalStateException.class, l::writeUnlock);
  }
}
