package org.kernsim.protocol.kryo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster's secret ({@code kernsim.cluster.auth.token}) and what is derived from it, each with
 * its own label so that no derived value gives away another: the key that authenticates every
 * kernsim frame on the wire ({@link KryoSerializer}), and the join tag a joining node shows in
 * Pekko's configuration check. The token itself never travels.
 */
public final class ClusterToken {
  private ClusterToken() {}

  /** The shortest token accepted (a generated one has 43 characters, 256 bits). */
  public static final int MIN_LENGTH = 16;

  /** A new random token: 32 bytes from {@link SecureRandom}, base64url without padding. */
  public static String generate() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** HMAC-SHA256 of {@code label} keyed with the token: a key or a tag for one purpose. */
  static byte[] derive(String token, String label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** How many bytes of HMAC-SHA256 a frame carries (128 bits, as RFC 4868's truncation). */
  public static final int TAG_BYTES = 16;

  /** A MAC keyed for frames (not thread-safe: one per thread). */
  static Mac frameMac(String token) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(derive(token, "kernsim frame mac v1"), "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** {@code payload} as an authenticated frame: its tag, then the payload. */
  static byte[] sign(Mac mac, byte[] payload, int length) {
    mac.update(payload, 0, length);
    byte[] tag = mac.doFinal();
    byte[] frame = new byte[TAG_BYTES + length];
    System.arraycopy(tag, 0, frame, 0, TAG_BYTES);
    System.arraycopy(payload, 0, frame, TAG_BYTES, length);
    return frame;
  }

  /** Whether {@code frame} starts with the right tag for the rest (in constant time). */
  static boolean verify(Mac mac, byte[] frame) {
    if (frame.length < TAG_BYTES) return false;
    mac.update(frame, TAG_BYTES, frame.length - TAG_BYTES);
    byte[] tag = mac.doFinal();
    return MessageDigest.isEqual(
        java.util.Arrays.copyOf(tag, TAG_BYTES), java.util.Arrays.copyOf(frame, TAG_BYTES));
  }

  /** {@code payload} (Kryo bytes) as a frame authenticated with {@code token}: for tests. */
  public static byte[] sign(String token, byte[] payload) {
    return sign(frameMac(token), payload, payload.length);
  }

  /**
   * The join tag: what a joining node sends in Pekko's InitJoin (in clear without TLS) and the seed
   * node compares with its own (see {@code JoinTagChecker}). Learning it gives nothing but the
   * check, which a node can skip anyway; it does not give the token or the frame key.
   */
  public static String joinTag(String token) {
    if (token == null || token.isEmpty()) return "";
    return HexFormat.of().formatHex(derive(token, "kernsim join tag v1"), 0, 16);
  }
}
