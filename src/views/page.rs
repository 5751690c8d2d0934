//! The few pages a browser sees (the results of connecting a status or installing the app): one
//! look for all of them, with every text escaped.

/// `text` made safe to put in HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A whole page titled `title` around `body`, which must already be HTML (escape what goes in it).
pub fn html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · officehours</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d;line-height:1.5}}\
         h1{{font-size:1.4rem}}p{{color:#454245}}</style></head><body><h1>{title}</h1>{body}</body></html>",
        title = escape(title),
    )
}

/// A page that says one thing.
pub fn paragraph(title: &str, text: &str) -> String {
    html(title, &format!("<p>{}</p>", escape(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_texts_are_escaped() {
        let page = paragraph("<b>", "a & \"b\"");
        assert!(
            page.contains("<h1>&lt;b&gt;</h1><p>a &amp; &quot;b&quot;</p>"),
            "{page}"
        );
    }
}
