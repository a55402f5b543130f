use crate::commands::community::counts_of;
use crate::registry::Tally;

#[test]
fn a_worker_nobody_voted_for_has_a_popularity_of_plus_zero() {
    let c = counts_of(&Tally::default(), 20_000);
    assert_eq!(c.votes, 0);
    assert!(c.popularity == 0.0 && c.popularity.is_sign_positive());
    assert_eq!(serde_json::to_string(&c.popularity).unwrap(), "0.0");
    assert_eq!(c.average, None);
}

#[test]
fn popularity_weighs_each_vote_by_0_98_per_day_of_age() {
    let mut t = Tally::default();
    t.votes_by_day.insert(100, 2); // two votes today
    t.votes_by_day.insert(90, 1); // one ten days old
    let c = counts_of(&t, 100);
    assert_eq!(c.votes, 3);
    let want = 2.0 + 0.98f64.powi(10);
    assert!(
        (c.popularity - want).abs() < 1e-6,
        "{} vs {want}",
        c.popularity
    );
    // A vote "from the future" (a clock skew between instances) counts as today's.
    t.votes_by_day.insert(105, 1);
    assert!((counts_of(&t, 100).popularity - (want + 1.0)).abs() < 1e-6);
}

#[test]
fn the_average_rating_is_rounded_to_two_decimals() {
    let t = Tally {
        ratings: 3,
        stars: 13,
        ..Tally::default()
    };
    assert_eq!(counts_of(&t, 0).average, Some(4.33));
}
