//! Trend charts drawn on the server as SVG: readable on a phone (it scales to the width), no script, no library.
//! One line of CSAT percentages over periods, each point labelled with its count, gaps where no one answered.

/// One point: the period's label, the CSAT percentage (None: no answers), and the answers behind it.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub count: u64,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// An SVG line chart of `points` (0-100%), titled `title` for screen readers.
pub fn trend(title: &str, points: &[Point]) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = if points.len() > 1 {
        plot_w / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + step * i as f64 + if points.len() == 1 { plot_w / 2.0 } else { 0.0 };
    let y = |v: f64| TOP + plot_h * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    for level in [0.0, 50.0, 80.0, 100.0] {
        svg.push_str(&format!(
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d5dc" stroke-width="1"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#5b6470">{level:.0}%</text>"##,
            WIDTH - RIGHT,
            LEFT - 4.0,
            y(level) + 4.0,
            y = y(level),
        ));
    }
    // Segments between consecutive points that both have answers.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, point) in points.iter().enumerate() {
        match point.value {
            Some(v) => {
                path.push_str(&format!(
                    "{}{:.1} {:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(v)
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        svg.push_str(&format!(
            r##"<path d="{}" fill="none" stroke="#b3261e" stroke-width="2.5"/>"##,
            path.trim_end()
        ));
    }
    let every = points.len().div_ceil(12).max(1);
    for (i, point) in points.iter().enumerate() {
        if let Some(v) = point.value {
            svg.push_str(&format!(
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#b3261e"><title>{}: {v:.1}% (n={})</title></circle>"##,
                x(i),
                y(v),
                escape(&point.label),
                point.count
            ));
        }
        if i % every == 0 {
            svg.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#1b1f24">{}</text><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#5b6470">n={}</text>"##,
                x(i),
                HEIGHT - BOTTOM + 16.0,
                escape(&point.label),
                x(i),
                HEIGHT - BOTTOM + 30.0,
                point.count
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Text for SVG or XML: the five characters that could break out of it, escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_breaks_the_line_and_labels_are_escaped() {
        let points = [
            Point {
                label: "2026-10".into(),
                value: Some(80.0),
                count: 10,
            },
            Point {
                label: "2026-11".into(),
                value: None,
                count: 0,
            },
            Point {
                label: "<b>".into(),
                value: Some(50.0),
                count: 2,
            },
        ];
        let svg = trend("CSAT", &points);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        // Two separate moves: no line across the month without answers.
        let d = svg
            .split("<path d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
    }
}
