package org.kernsim.scenario;

import java.nio.file.Path;

/**
 * User-given values as they are quoted in messages: cut to a sane length (a 200 KB {@code --set}
 * value is shown as its start and its length) and escaped (control characters, invalid bytes and
 * invisible formatting characters are shown as {@code \xNN} / {@code \\uNNNN}, so that the bytes of
 * a binary file never reach the terminal).
 */
public final class Quote {
  private Quote() {}

  /** Longest value shown whole. */
  static final int VALUE = 80;

  /** Longest path shown whole. */
  static final int PATH = 240;

  /** Longest library message shown whole. */
  static final int TEXT = 300;

  /** Longest line of a message. */
  static final int LINE = 1000;

  /** A value given by the user: escaped, and cut when longer than 80 characters. */
  public static String value(String s) {
    return cut(escape(s, false), VALUE, s == null ? 0 : s.length());
  }

  /** A path given by the user: escaped, and cut when longer than 240 characters. */
  public static String path(Path p) {
    String s = p == null ? "null" : p.toString();
    return cut(escape(s, false), PATH, s.length());
  }

  /** A longer text (an error message of a library): escaped, cut at 300 characters. */
  public static String text(String s) {
    return cut(escape(s, false), TEXT, s == null ? 0 : s.length());
  }

  /**
   * A whole message: every line escaped (line breaks kept) and cut at 1000 characters, as a last
   * defence for values quoted without {@link #value}.
   */
  public static String message(String s) {
    if (s == null) return null;
    StringBuilder out = new StringBuilder();
    for (String line : s.split("\n", -1)) {
      if (out.length() > 0) out.append('\n');
      out.append(cut(escape(line, false), LINE, line.length()));
    }
    return out.toString();
  }

  private static String cut(String escaped, int max, int originalLength) {
    if (escaped.length() <= max) return escaped;
    int keep = max - 20;
    // do not cut an escape sequence in two
    int bs = escaped.lastIndexOf('\\', keep);
    if (bs >= 0 && bs > keep - 6) keep = bs;
    return escaped.substring(0, keep) + "... (" + originalLength + " characters)";
  }

  static String escape(String s, boolean keepNewlines) {
    if (s == null) return "null";
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String rep = replacement(s, i, c, keepNewlines);
      if (rep == null) {
        if (out != null) out.append(c);
        continue;
      }
      if (out == null) out = new StringBuilder(s.length() + 16).append(s, 0, i);
      out.append(rep);
    }
    return out == null ? s : out.toString();
  }

  private static String replacement(String s, int i, char c, boolean keepNewlines) {
    switch (c) {
      case '\n':
        return keepNewlines ? null : "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) return String.format("\\x%02x", (int) c);
    if (Character.isHighSurrogate(c)) {
      if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) return null;
      return String.format("\\u%04x", (int) c);
    }
    if (Character.isLowSurrogate(c)) {
      if (i > 0 && Character.isHighSurrogate(s.charAt(i - 1))) return null;
      return String.format("\\u%04x", (int) c);
    }
    int type = Character.getType(c);
    if (c == 0xfffd
        || type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.UNASSIGNED
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.PRIVATE_USE) return String.format("\\u%04x", (int) c);
    return null;
  }
}
