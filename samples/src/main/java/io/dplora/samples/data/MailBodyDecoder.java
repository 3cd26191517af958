package io.dplora.samples.data;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the raw bytes of one RFC 822 mail into the plain text of its body; the headers (names, addresses, dates)
 * are dropped.
 *
 * <ol>
 *   <li>Headers and body are split at the first empty line (LF or CRLF); a mail without one has an empty body.
 *       Header lines are unfolded and read as ISO-8859-1.</li>
 *   <li>{@code Content-Transfer-Encoding} {@code quoted-printable} and {@code base64} are decoded leniently
 *       ({@link TransferEncodings}); any other value is taken as identity.</li>
 *   <li>Bytes become text with the part's {@code charset} when Java knows it (malformed bytes replaced); with no,
 *       an unknown, or a US-ASCII charset: UTF-8 if the bytes are valid UTF-8, else windows-1252. Never throws.</li>
 *   <li>{@code text/html}, or any text part that {@linkplain HtmlText#looksLikeHtml looks like HTML}, is reduced
 *       to text ({@link HtmlText}).</li>
 *   <li>{@code multipart/*} (with a boundary) is split into parts, recursively (depth ≤ 8). For
 *       {@code multipart/alternative} the alternative with the longest text wins (a plain-text stub such as "your
 *       mail program does not support HTML" loses against the real HTML part);
 *       for the other multipart types the text of all text parts is joined. {@code message/rfc822} parts are
 *       decoded as a nested mail (body only). Non-text parts (images, attachments, signatures) are skipped.</li>
 * </ol>
 */
public final class MailBodyDecoder {

    private static final int MAX_DEPTH = 8;
    private static final Charset FALLBACK = Charset.forName("windows-1252");

    /**
     * The decoded body.
     *
     * @param text              the plain text (may be blank)
     * @param undecodableParts  base64 parts that were not base64 at all (skipped)
     * @param skippedParts      non-text MIME parts that were skipped (attachments, images, signatures)
     */
    public record Decoded(String text, int undecodableParts, int skippedParts) {
    }

    private int undecodable;
    private int skipped;

    private MailBodyDecoder() {
    }

    /** Decodes one mail given as raw bytes. */
    public static Decoded decode(byte[] mail) {
        MailBodyDecoder d = new MailBodyDecoder();
        Entity e = Entity.parse(mail, true);
        String text = d.entityText(e, 0);
        return new Decoded(text == null ? "" : text.strip(), d.undecodable, d.skipped);
    }

    /** A header block and the body bytes that follow it. */
    private record Entity(Map<String, String> headers, byte[] body) {

        /**
         * @param topLevel a top-level mail with no blank line is all header; a MIME part with no blank line is all
         *                 body when it does not start with a header line
         */
        static Entity parse(byte[] bytes, boolean topLevel) {
            int[] split = headerEnd(bytes);
            if (split == null) {
                if (topLevel || startsWithHeader(bytes)) {
                    return new Entity(parseHeaders(new String(bytes, StandardCharsets.ISO_8859_1)), new byte[0]);
                }
                return new Entity(Map.of(), bytes);
            }
            String head = new String(bytes, 0, split[0], StandardCharsets.ISO_8859_1);
            byte[] body = java.util.Arrays.copyOfRange(bytes, split[1], bytes.length);
            return new Entity(parseHeaders(head), body);
        }

        String header(String name) {
            return headers.get(name);
        }
    }

    /** @return {end of headers, start of body}, or null when there is no empty line. */
    static int[] headerEnd(byte[] b) {
        if (b.length > 0 && b[0] == '\n') {
            return new int[] {0, 1};
        }
        if (b.length > 1 && b[0] == '\r' && b[1] == '\n') {
            return new int[] {0, 2};
        }
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\n') {
                continue;
            }
            int j = i + 1;
            if (j < b.length && b[j] == '\r') {
                j++;
            }
            if (j < b.length && b[j] == '\n') {
                return new int[] {i, j + 1};
            }
        }
        return null;
    }

    private static boolean startsWithHeader(byte[] b) {
        String first = new String(b, 0, Math.min(b.length, 200), StandardCharsets.ISO_8859_1);
        return first.matches("(?s)[!-9;-~]+:.*");
    }

    static Map<String, String> parseHeaders(String head) {
        Map<String, String> headers = new LinkedHashMap<>();
        String current = null;
        StringBuilder value = new StringBuilder();
        for (String line : head.split("\r?\n")) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                value.append(' ').append(line.strip());
                continue;
            }
            if (current != null) {
                headers.putIfAbsent(current, value.toString().strip());
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                current = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                value.setLength(0);
                value.append(line.substring(colon + 1));
            } else {
                current = null;
            }
        }
        if (current != null) {
            headers.putIfAbsent(current, value.toString().strip());
        }
        return headers;
    }

    /** The media type (lower case, without parameters), default text/plain. */
    private static String mediaType(Entity e) {
        String ct = e.header("content-type");
        if (ct == null || ct.isBlank()) {
            return "text/plain";
        }
        int semi = ct.indexOf(';');
        String type = (semi >= 0 ? ct.substring(0, semi) : ct).strip().toLowerCase(Locale.ROOT);
        return type.contains("/") ? type : "text/plain";
    }

    /** A parameter of Content-Type (e.g. charset, boundary), unquoted, or null. */
    static String parameter(String contentType, String name) {
        if (contentType == null) {
            return null;
        }
        for (String piece : contentType.split(";")) {
            int eq = piece.indexOf('=');
            if (eq > 0 && piece.substring(0, eq).strip().equalsIgnoreCase(name)) {
                String v = piece.substring(eq + 1).strip();
                if (v.length() >= 2 && v.startsWith("\"")) {
                    int close = v.indexOf('"', 1);
                    v = close > 0 ? v.substring(1, close) : v.substring(1);
                }
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    /** @return the text of the entity, or null when it carries no text. */
    private String entityText(Entity e, int depth) {
        String type = mediaType(e);
        if (type.startsWith("multipart/") && depth < MAX_DEPTH) {
            String boundary = parameter(e.header("content-type"), "boundary");
            List<byte[]> parts = boundary == null ? List.of() : splitMultipart(e.body(), boundary);
            if (!parts.isEmpty()) {
                return multipartText(type, parts, depth);
            }
            return leafText(e, "text/plain"); // no usable boundary: read the body as text
        }
        if (type.equals("message/rfc822") && depth < MAX_DEPTH) {
            byte[] inner = transferDecode(e);
            return inner == null ? null : entityText(Entity.parse(inner, true), depth + 1);
        }
        if (type.startsWith("text/")) {
            return leafText(e, type);
        }
        skipped++;
        return null;
    }

    private String multipartText(String type, List<byte[]> parts, int depth) {
        List<Entity> entities = new ArrayList<>();
        for (byte[] p : parts) {
            entities.add(Entity.parse(p, false));
        }
        if (type.equals("multipart/alternative")) {
            String longest = null;
            for (Entity p : entities) {
                String t = entityText(p, depth + 1);
                if (t != null && !t.isBlank() && (longest == null || t.strip().length() > longest.length())) {
                    longest = t.strip();
                }
            }
            return longest;
        }
        StringBuilder sb = new StringBuilder();
        for (Entity p : entities) {
            String t = entityText(p, depth + 1);
            if (t != null && !t.isBlank()) {
                if (sb.length() > 0) {
                    sb.append("\n\n");
                }
                sb.append(t.strip());
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private String leafText(Entity e, String type) {
        byte[] bytes = transferDecode(e);
        if (bytes == null) {
            return null;
        }
        String text = toText(bytes, parameter(e.header("content-type"), "charset"));
        text = text.replace("\r\n", "\n").replace('\r', '\n');
        if (type.equals("text/html") || HtmlText.looksLikeHtml(text)) {
            text = HtmlText.toText(text);
        }
        return text;
    }

    /** @return the decoded bytes, or null for base64 that is not base64 (counted). */
    private byte[] transferDecode(Entity e) {
        String cte = e.header("content-transfer-encoding");
        cte = cte == null ? "" : cte.strip().toLowerCase(Locale.ROOT);
        if (cte.startsWith("quoted-printable")) {
            return TransferEncodings.decodeQuotedPrintable(e.body());
        }
        if (cte.startsWith("base64")) {
            byte[] out = TransferEncodings.decodeBase64(e.body());
            if (out == null) {
                undecodable++;
            }
            return out;
        }
        return e.body();
    }

    /** Decodes bytes with the declared charset, or the fallback rule of the class comment. */
    static String toText(byte[] bytes, String declaredCharset) {
        Charset cs = knownCharset(declaredCharset);
        if (cs != null && !cs.equals(StandardCharsets.US_ASCII)) {
            return new String(bytes, cs); // String(byte[], Charset) replaces malformed input
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException notUtf8) {
            return new String(bytes, FALLBACK);
        }
    }

    private static Charset knownCharset(String name) {
        if (name == null) {
            return null;
        }
        try {
            return Charset.forName(name.strip());
        } catch (IllegalArgumentException unknownOrIllegal) { // IllegalCharsetName-, UnsupportedCharsetException
            return null;
        }
    }

    /**
     * Splits a multipart body at lines {@code --boundary} (RFC 2046 §5.1.1): the preamble before the first and the
     * epilogue after {@code --boundary--} are dropped. A missing close delimiter ends the last part at the end.
     */
    static List<byte[]> splitMultipart(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> starts = new ArrayList<>(); // index of each delimiter line start
        List<Boolean> closing = new ArrayList<>();
        int lineStart = 0;
        while (lineStart < body.length) {
            int nl = indexOf(body, (byte) '\n', lineStart);
            if (startsWith(body, lineStart, delimiter)) {
                int after = lineStart + delimiter.length;
                String rest = new String(body, after, (nl < 0 ? body.length : nl) - after,
                        StandardCharsets.ISO_8859_1).strip();
                // a longer boundary that merely starts with ours (e.g. a nested "--abc-1" for "abc") is no match
                if (rest.isEmpty() || rest.startsWith("--")) {
                    starts.add(lineStart);
                    closing.add(rest.startsWith("--"));
                }
            }
            lineStart = nl < 0 ? body.length : nl + 1;
        }
        List<byte[]> parts = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            if (closing.get(k)) {
                break;
            }
            int nl = indexOf(body, (byte) '\n', starts.get(k));
            if (nl < 0) {
                break;
            }
            int from = nl + 1;
            int to = k + 1 < starts.size() ? starts.get(k + 1) : body.length;
            // the line break before the next delimiter belongs to the delimiter
            if (to > from && body[to - 1] == '\n') {
                to--;
                if (to > from && body[to - 1] == '\r') {
                    to--;
                }
            }
            parts.add(java.util.Arrays.copyOfRange(body, from, Math.max(from, to)));
        }
        return parts;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
