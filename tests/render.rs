//! The chart drawing code, run natively on plotters' SVG backend (the page runs it on a canvas).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use plotters::prelude::*;
use runlens::analysis::{profiles, straggler};
use runlens::ingest::fs::load_path;
use runlens::render::{self, timeline, Emphasis, Frame, Theme};

fn svg_of(draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>)) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (900, 260)).into_drawing_area();
        draw(&root);
    }
    out
}

#[test]
fn the_straggler_is_drawn_in_its_colour_in_every_executor_view() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let run = load_path(&data.join("spark-local/app-20261121232506-0000"))
        .unwrap()
        .run;
    let s = straggler::detect(&run).unwrap();
    let theme = Theme::light();
    let strong = Theme::css(theme.straggler).to_uppercase();
    let period = profiles::default_period_s(run.meta.duration_s);
    for p in profiles::profiles(&run, period) {
        let frame = Frame {
            x0: 0.0,
            x1: run.meta.duration_s,
            y_max: render::axis_top(p.max_value(), p.unit),
            unit: p.unit,
            secondary: None,
        };
        let emphasis = Emphasis {
            straggler: Some(&s.executor),
            selected: None,
            stage: None,
            overlay: None,
        };
        let mut area = None;
        let svg = svg_of(|root| {
            area = Some(render::draw_profile(root, &p, &frame, &emphasis, &theme, 1.0).unwrap())
        });
        let area = area.unwrap();
        assert!(area.right > area.left && area.bottom > area.top);
        assert!(
            svg.contains("1:40"),
            "{:?}: time axis labels in m:ss",
            p.view
        );
        let has_exec_lines = p.lines.iter().any(|l| l.executor.as_deref() == Some("0"));
        assert_eq!(
            svg.to_uppercase().contains(&strong),
            has_exec_lines,
            "{:?}: straggler colour iff executor lines",
            p.view
        );
    }
    let frame = Frame {
        x0: 0.0,
        x1: run.meta.duration_s,
        y_max: 1.0,
        unit: profiles::ValueUnit::Count,
        secondary: None,
    };
    let lanes = timeline::raster(&run, 0.0, run.meta.duration_s, 800);
    assert_eq!(lanes.len(), 2);
    let emphasis = Emphasis {
        straggler: Some("0"),
        selected: None,
        stage: None,
        overlay: None,
    };
    let svg = svg_of(|root| {
        render::draw_timeline(root, &lanes, &frame, &emphasis, &theme, 1.0).unwrap();
    });
    assert!(svg.contains("exec 0") && svg.contains("exec 1"));
    assert!(svg.to_uppercase().contains(&strong));
}

#[test]
fn a_measured_run_over_a_prediction_is_drawn_dashed_with_its_end() {
    let Some(data) = common::data_dir() else {
        return;
    };
    // S1 before as the "prediction", S1 after as the measurement drawn over it.
    let predicted = load_path(&data.join("spark-local/app-20261121232506-0000"))
        .unwrap()
        .run;
    let measured = load_path(&data.join("spark-local/app-20261121232658-0000"))
        .unwrap()
        .run;
    let theme = Theme::light();
    let x1 = predicted.meta.duration_s.max(measured.meta.duration_s);
    let period = profiles::default_period_s(x1);
    let under = profiles::profiles(&measured, period);
    for p in profiles::profiles(&predicted, period) {
        let frame = Frame {
            x0: 0.0,
            x1,
            y_max: render::axis_top(p.max_value(), p.unit),
            unit: p.unit,
            secondary: None,
        };
        let measured_profile = under.iter().find(|u| u.view == p.view);
        let plain = Emphasis::default();
        let over = Emphasis {
            overlay: Some(render::Overlay {
                profile: measured_profile,
                end_s: measured.meta.duration_s,
            }),
            ..Emphasis::default()
        };
        let draw = |e: &Emphasis| {
            svg_of(|root| {
                render::draw_profile(root, &p, &frame, e, &theme, 1.0).unwrap();
            })
        };
        let (a, b) = (draw(&plain), draw(&over));
        assert!(!a.contains("measured end"), "{:?}", p.view);
        assert!(b.contains("measured end"), "{:?}: the end rule", p.view);
        let whole = measured_profile.map_or(0, |m| {
            m.lines
                .iter()
                .filter(|l| l.executor.is_none() && l.points.len() > 1)
                .count()
        });
        // Each dashed line is many short segments: the overlay adds more than its lines.
        let count = |s: &str| s.matches("<line").count() + s.matches("<polyline").count();
        assert!(
            count(&b) > count(&a) + whole,
            "{:?}: {whole} measured lines dashed ({} → {} elements)",
            p.view,
            count(&a),
            count(&b)
        );
    }
    // The task timeline: the measured end only.
    let lanes = timeline::raster(&predicted, 0.0, x1, 800);
    let frame = Frame {
        x0: 0.0,
        x1,
        y_max: 1.0,
        unit: profiles::ValueUnit::Count,
        secondary: None,
    };
    let over = Emphasis {
        overlay: Some(render::Overlay {
            profile: None,
            end_s: measured.meta.duration_s,
        }),
        ..Emphasis::default()
    };
    let draw = |e: &Emphasis| {
        svg_of(|root| {
            render::draw_timeline(root, &lanes, &frame, e, &theme, 1.0).unwrap();
        })
    };
    let count = |s: &str| s.matches("<line").count() + s.matches("<polyline").count();
    let (a, b) = (draw(&Emphasis::default()), draw(&over));
    assert!(
        count(&b) > count(&a) + 5,
        "the dashed rule: {} → {}",
        count(&a),
        count(&b)
    );
}
