package org.kernsim.trace.ftrace;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code trace.dat} in trace-cmd's file format version 6 ({@code trace-cmd.dat.v6(5)}):
 * little-endian, 8-byte longs, 4 KiB pages; the header ({@code header_page}, {@code header_event}),
 * the ftrace and event format files, kallsyms, printk formats and saved cmdlines, the CPU count,
 * options, and a {@code flyrecord} with one ring-buffer stream per CPU: pages of a 16-byte header
 * (time stamp, commit) and events with the compressed 4-byte entry header ({@code type_len:5,
 * time_delta:27}; time-extend entries for longer gaps; a length word for events longer than 112
 * bytes), as the kernel's ring buffer stores them and libtraceevent's kbuffer reads them.
 *
 * <p>Events must come in nondecreasing time per CPU. Pages go to a spool file as they fill (a
 * partly filled page is flushed early when too many CPUs hold one), so memory stays bounded
 * whatever the trace's length; {@link #finish} lays the CPUs' pages out after the header.
 */
public final class TraceDat implements AutoCloseable {
  static final int PAGE = 4096;
  private static final int PAGE_HEADER = 16;
  private static final int DATA = PAGE - PAGE_HEADER;
  private static final long MAX_DELTA = (1L << 27) - 1;
  private static final int MAX_OPEN_PAGES = 4096; // 16 MiB of pages being filled

  /** An event format: its system, name, id and format file text. */
  public record Format(String system, String name, int id, String text) {}

  private final int cpus;
  private final Path spool;
  private final FileChannel spoolOut;
  private final Page[] pages;
  private final List<List<Long>> spooled = new ArrayList<>(); // per CPU: offsets in the spool
  private int openPages;
  private long spoolSize;
  private long useTick;

  private static final class Page {
    final ByteBuffer buf = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
    long start = -1; // the page's time stamp
    long last; // the time of its last event
    long used;
  }

  /**
   * @param spool a new temporary file for the pages as they fill (removed by {@link #close})
   */
  public TraceDat(int cpus, Path spool) throws IOException {
    this.cpus = cpus;
    this.pages = new Page[cpus];
    for (int i = 0; i < cpus; i++) spooled.add(new ArrayList<>());
    this.spool = spool;
    this.spoolOut =
        FileChannel.open(spool, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /**
   * Appends one event (its payload, starting with the common fields) to CPU {@code cpu}'s stream.
   */
  public void event(int cpu, long time, byte[] payload, int length) throws IOException {
    int body = (length + 3) & ~3;
    int need = length <= 112 ? 4 + body : 8 + body;
    Page p = pages[cpu];
    if (p == null) {
      p = new Page();
      pages[cpu] = p;
      openPages++;
      if (openPages > MAX_OPEN_PAGES) flushOldest(cpu);
    }
    long delta = p.start < 0 ? 0 : time - p.last;
    if (delta < 0) throw new IllegalArgumentException("events out of order on CPU " + cpu);
    int extend = delta > MAX_DELTA ? 8 : 0;
    if (p.start >= 0 && p.buf.position() - PAGE_HEADER + extend + need > DATA) {
      spill(cpu, p);
      delta = 0;
      extend = 0;
    }
    if (p.start < 0) {
      p.start = time;
      p.last = time;
      p.buf.clear();
      p.buf.putLong(time);
      p.buf.putLong(0); // commit, set when the page is written
      delta = 0;
    }
    if (extend > 0) {
      p.buf.putInt(30 | (int) ((delta & MAX_DELTA) << 5));
      p.buf.putInt((int) (delta >>> 27));
      delta = 0;
    }
    if (length <= 112) {
      p.buf.putInt((body / 4) | (int) (delta << 5));
    } else {
      p.buf.putInt((int) (delta << 5)); // type_len 0: the length follows
      p.buf.putInt(length + 4);
    }
    p.buf.put(payload, 0, length);
    for (int i = length; i < body; i++) p.buf.put((byte) 0);
    p.last = time;
    p.used = ++useTick;
  }

  private void flushOldest(int except) throws IOException {
    int oldest = -1;
    for (int c = 0; c < pages.length; c++) {
      if (c == except || pages[c] == null) continue;
      if (oldest < 0 || pages[c].used < pages[oldest].used) oldest = c;
    }
    if (oldest >= 0) {
      spill(oldest, pages[oldest]);
      pages[oldest] = null;
      openPages--;
    }
  }

  /** Writes a page to the spool (commit = bytes of events in it) and empties it. */
  private void spill(int cpu, Page p) throws IOException {
    if (p.start < 0) return;
    int commit = p.buf.position() - PAGE_HEADER;
    p.buf.putLong(8, commit);
    byte[] page = Arrays.copyOf(p.buf.array(), PAGE);
    Arrays.fill(page, p.buf.position(), PAGE, (byte) 0);
    ByteBuffer w = ByteBuffer.wrap(page);
    while (w.hasRemaining()) spoolOut.write(w);
    spooled.get(cpu).add(spoolSize);
    spoolSize += PAGE;
    p.start = -1;
    p.buf.clear();
  }

  /**
   * Writes the file: the header with {@code formats} (system "ftrace" goes to the ftrace formats),
   * {@code kallsyms}, {@code cmdlines} ("pid comm" lines) and {@code options} (id to bytes), then
   * every CPU's pages.
   */
  public void finish(
      Path target,
      List<Format> formats,
      String kallsyms,
      String cmdlines,
      Map<Integer, byte[]> options)
      throws IOException {
    for (int c = 0; c < cpus; c++) {
      if (pages[c] != null) spill(c, pages[c]);
    }
    spoolOut.force(false);
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
      Header h = new Header(o);
      h.bytes(new byte[] {0x17, 0x08, 0x44});
      h.ascii("tracing");
      h.ascii("6\0");
      h.u8(0); // little endian
      h.u8(8); // long size
      h.u32(PAGE);
      h.ascii("header_page\0");
      h.text64(FtraceFormats.HEADER_PAGE);
      h.ascii("header_event\0");
      h.text64(FtraceFormats.HEADER_EVENT);
      List<Format> ftrace = formats.stream().filter(f -> f.system().equals("ftrace")).toList();
      h.u32(ftrace.size());
      for (Format f : ftrace) h.text64(f.text());
      Map<String, List<Format>> systems = new LinkedHashMap<>();
      for (Format f : formats) {
        if (!f.system().equals("ftrace"))
          systems.computeIfAbsent(f.system(), k -> new ArrayList<>()).add(f);
      }
      h.u32(systems.size());
      for (Map.Entry<String, List<Format>> s : systems.entrySet()) {
        h.ascii(s.getKey() + "\0");
        h.u32(s.getValue().size());
        for (Format f : s.getValue()) h.text64(f.text());
      }
      byte[] ks = kallsyms.getBytes(StandardCharsets.UTF_8);
      h.u32(ks.length);
      h.bytes(ks);
      h.u32(0); // no trace_printk formats
      byte[] cl = cmdlines.getBytes(StandardCharsets.UTF_8);
      h.u64(cl.length);
      h.bytes(cl);
      h.u32(cpus);
      h.ascii("options  \0");
      for (Map.Entry<Integer, byte[]> opt : options.entrySet()) {
        h.u16(opt.getKey());
        h.u32(opt.getValue().length);
        h.bytes(opt.getValue());
      }
      h.u16(0);
      h.ascii("flyrecord\0");
      long headerEnd = h.position + 16L * cpus;
      long offset = (headerEnd + PAGE - 1) / PAGE * PAGE;
      for (int c = 0; c < cpus; c++) {
        long size = (long) spooled.get(c).size() * PAGE;
        h.u64(size == 0 ? 0 : offset);
        h.u64(size);
        offset += size;
      }
      while (h.position % PAGE != 0) h.u8(0);
      try (RandomAccessFile in = new RandomAccessFile(spool.toFile(), "r")) {
        byte[] page = new byte[PAGE];
        for (int c = 0; c < cpus; c++) {
          for (long at : spooled.get(c)) {
            in.seek(at);
            in.readFully(page);
            o.write(page);
          }
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    spoolOut.close();
    org.kernsim.trace.OutputFiles.discard(spool);
  }

  /** Little-endian writes that count bytes. */
  private static final class Header {
    final OutputStream o;
    long position;

    Header(OutputStream o) {
      this.o = o;
    }

    void bytes(byte[] b) throws IOException {
      o.write(b);
      position += b.length;
    }

    void ascii(String s) throws IOException {
      bytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    void u8(int v) throws IOException {
      o.write(v);
      position++;
    }

    void u16(int v) throws IOException {
      u8(v & 0xff);
      u8((v >>> 8) & 0xff);
    }

    void u32(long v) throws IOException {
      for (int i = 0; i < 4; i++) u8((int) (v >>> (8 * i)) & 0xff);
    }

    void u64(long v) throws IOException {
      for (int i = 0; i < 8; i++) u8((int) (v >>> (8 * i)) & 0xff);
    }

    void text64(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u64(b.length);
      bytes(b);
    }
  }
}
