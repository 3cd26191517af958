package io.dplora.samples.data;

import java.io.ByteArrayOutputStream;
import java.util.Base64;

/**
 * Lenient decoders for the MIME content-transfer-encodings (RFC 2045 §6.7 quoted-printable, §6.8 base64). Real mail
 * (spam above all) breaks the rules, so both decoders accept what they can and never throw.
 */
public final class TransferEncodings {

    private TransferEncodings() {
    }

    /**
     * Quoted-printable: {@code =XX} (hex, either case) becomes that byte, {@code =} at the end of a line (soft line
     * break, optionally followed by spaces/tabs and CR) joins the lines, and any other {@code =} is kept literally.
     */
    public static byte[] decodeQuotedPrintable(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int i = 0;
        while (i < in.length) {
            byte b = in[i];
            if (b != '=') {
                out.write(b);
                i++;
                continue;
            }
            int j = i + 1;
            while (j < in.length && (in[j] == ' ' || in[j] == '\t')) {
                j++;
            }
            if (j < in.length && in[j] == '\r') {
                j++;
            }
            if (j >= in.length || in[j] == '\n') {
                i = Math.min(j + 1, in.length); // soft line break
                continue;
            }
            if (i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) * 16 + hex(in[i + 2]));
                i += 3;
                continue;
            }
            out.write(b); // a stray '=' stays as it is
            i++;
        }
        return out.toByteArray();
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /**
     * Base64: characters outside the alphabet (line breaks, spaces, stray symbols) are skipped, decoding stops at
     * the first {@code =} padding, and a dangling final character (which carries less than one byte) is ignored.
     *
     * @return the decoded bytes, or {@code null} when the input does not look like base64 at all (more than a tenth
     *         of its non-white-space characters are outside the alphabet)
     */
    public static byte[] decodeBase64(byte[] in) {
        StringBuilder clean = new StringBuilder(in.length);
        int foreign = 0;
        int nonSpace = 0;
        boolean padded = false;
        for (byte b : in) {
            char c = (char) (b & 0xFF);
            if (Character.isWhitespace(c)) {
                continue;
            }
            nonSpace++;
            if (c == '=') {
                padded = true;
            } else if (isBase64(c)) {
                if (!padded) {
                    clean.append(c);
                }
            } else {
                foreign++;
            }
        }
        if (foreign * 10 > nonSpace) {
            return null;
        }
        int usable = clean.length() - clean.length() % 4;
        int rest = clean.length() % 4;
        String body = clean.substring(0, usable);
        if (rest >= 2) { // 2 or 3 trailing characters still carry 1 or 2 bytes
            body = body + clean.substring(usable) + "=".repeat(4 - rest);
        }
        return Base64.getDecoder().decode(body);
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    }
}
