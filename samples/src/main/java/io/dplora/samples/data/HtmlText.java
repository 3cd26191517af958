package io.dplora.samples.data;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reduces HTML to plain text with regular expressions (no DOM; mail HTML is often broken anyway):
 * <ol>
 *   <li>comments, {@code <script>}, {@code <style>} and {@code <head>} elements are removed with their content;</li>
 *   <li>block tags ({@code br p div tr li h1-h6 table title blockquote pre hr}) become a line break, cell tags
 *       ({@code td th}) a space, every other tag nothing (so {@code V<b></b>iagra} reads {@code Viagra});</li>
 *   <li>character references are decoded: numeric ({@code &#233; &#xE9;}) and the common named ones
 *       ({@link #NAMED}); unknown ones stay as they are;</li>
 *   <li>runs of spaces/tabs become one space and more than two line breaks become two.</li>
 * </ol>
 * Entities are decoded after tags are removed, so an escaped {@code &lt;b&gt;} survives as the text {@code <b>}.
 */
public final class HtmlText {

    private static final Pattern DROPPED_ELEMENTS = Pattern.compile(
            "<!--.*?-->|<(script|style|head)\\b[^>]*>.*?</\\1\\s*>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern BLOCK_TAG = Pattern.compile(
            "</?(br|p|div|tr|li|ul|ol|h[1-6]|table|title|blockquote|pre|hr)\\b[^>]*>", Pattern.CASE_INSENSITIVE);
    private static final Pattern CELL_TAG = Pattern.compile("</?(td|th)\\b[^>]*>", Pattern.CASE_INSENSITIVE);
    private static final Pattern ANY_TAG = Pattern.compile("</?[a-zA-Z!?][^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,9});?");
    private static final Pattern SPACES = Pattern.compile("[ \\t\\x0B\\f\\u00A0]+");
    private static final Pattern SPACED_NEWLINES = Pattern.compile(" ?\\n ?");
    private static final Pattern MANY_NEWLINES = Pattern.compile("\\n{3,}");
    private static final Pattern HTML_MARKER = Pattern.compile("<(html|body|p|br|div|table|font)\\b",
            Pattern.CASE_INSENSITIVE);

    /** Named character references that are decoded (HTML 4 names common in mail). */
    static final Map<String, String> NAMED = Map.ofEntries(
            Map.entry("nbsp", " "), Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"),
            Map.entry("quot", "\""), Map.entry("apos", "'"), Map.entry("copy", "\u00A9"), Map.entry("reg", "\u00AE"),
            Map.entry("trade", "\u2122"), Map.entry("hellip", "\u2026"), Map.entry("mdash", "\u2014"),
            Map.entry("ndash", "\u2013"), Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"),
            Map.entry("ldquo", "\u201C"), Map.entry("rdquo", "\u201D"), Map.entry("bull", "\u2022"),
            Map.entry("middot", "\u00B7"), Map.entry("euro", "\u20AC"), Map.entry("pound", "\u00A3"),
            Map.entry("yen", "\u00A5"), Map.entry("cent", "\u00A2"), Map.entry("sect", "\u00A7"),
            Map.entry("deg", "\u00B0"), Map.entry("laquo", "\u00AB"), Map.entry("raquo", "\u00BB"),
            Map.entry("times", "\u00D7"), Map.entry("eacute", "\u00E9"), Map.entry("egrave", "\u00E8"),
            Map.entry("aacute", "\u00E1"), Map.entry("agrave", "\u00E0"), Map.entry("uuml", "\u00FC"),
            Map.entry("ouml", "\u00F6"), Map.entry("auml", "\u00E4"), Map.entry("szlig", "\u00DF"),
            Map.entry("ccedil", "\u00E7"), Map.entry("ntilde", "\u00F1"));

    private HtmlText() {
    }

    /** @return the text of {@code html} (see the class comment for the rules). */
    public static String toText(String html) {
        String s = DROPPED_ELEMENTS.matcher(html).replaceAll(" ");
        s = BLOCK_TAG.matcher(s).replaceAll("\n");
        s = CELL_TAG.matcher(s).replaceAll(" ");
        s = ANY_TAG.matcher(s).replaceAll("");
        s = decodeEntities(s);
        s = s.replace("\r\n", "\n").replace('\r', '\n');
        s = SPACES.matcher(s).replaceAll(" ");
        s = SPACED_NEWLINES.matcher(s).replaceAll("\n");
        s = MANY_NEWLINES.matcher(s).replaceAll("\n\n");
        return s.strip();
    }

    /** @return true when {@code text} contains an opening html, body, p, br, div, table or font tag. */
    public static boolean looksLikeHtml(String text) {
        return HTML_MARKER.matcher(text).find();
    }

    /** Decodes numeric and {@link #NAMED} character references; unknown or invalid ones are kept. */
    public static String decodeEntities(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = ENTITY.matcher(s);
        StringBuilder sb = new StringBuilder(s.length());
        while (m.find()) {
            String ref = m.group(1);
            String replacement = null;
            if (ref.charAt(0) == '#') {
                boolean hexRef = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X');
                int cp = Integer.parseInt(ref.substring(hexRef ? 2 : 1), hexRef ? 16 : 10);
                if (Character.isValidCodePoint(cp) && cp != 0) {
                    replacement = new String(Character.toChars(cp));
                }
            } else {
                replacement = NAMED.get(ref.toLowerCase(java.util.Locale.ROOT));
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement != null ? replacement : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
