//! Routing: the bundled gazetteer and the decision engine (crate `phananh-routing`), and what the service keeps
//! of them: the province's units in the database, decisions stored with their reasons.
use std::time::Instant;

use anyhow::Context;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};

pub use phananh_routing::{
    Classification, Decision, Gazetteer, HintSource, LatLon, LegalTrack, Reason, RouteInput,
    Router, Topic, UnitHint, classify, fold,
};

use crate::config::RoutingSettings;
use crate::db::Db;

/// The gazetteer of `routing.gazetteer_dir` (empty: the one built into the binary), serving
/// `routing.province_code`.
pub fn load_gazetteer(settings: &RoutingSettings) -> anyhow::Result<Gazetteer> {
    let started = Instant::now();
    let dir = settings.gazetteer_dir.as_path();
    let (gazetteer, source) = if dir.as_os_str().is_empty() {
        let gazetteer = Gazetteer::builtin(&settings.province_code).with_context(|| {
            format!(
                "routing.province_code {:?} in the built-in gazetteer (routing.gazetteer_dir empty)",
                settings.province_code
            )
        })?;
        (gazetteer, "built in".to_owned())
    } else {
        let gazetteer = Gazetteer::load(dir, &settings.province_code).with_context(|| {
            format!(
                "routing.province_code {:?} in routing.gazetteer_dir {}",
                settings.province_code,
                dir.display()
            )
        })?;
        (gazetteer, dir.display().to_string())
    };
    tracing::info!(
        source,
        scope = %gazetteer.scope(),
        provinces = %gazetteer.province_name(),
        units = gazetteer.units().len(),
        legacy_units = gazetteer.legacy_units().len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "gazetteer loaded"
    );
    Ok(gazetteer)
}

/// Upserts the served provinces' units and the legacy -> 2025 mapping: idempotent, so every start may run it.
pub async fn sync_units(db: &Db, gazetteer: &Gazetteer) -> anyhow::Result<()> {
    use entity::{unit_successions, units};
    let current = gazetteer.units().iter().map(|u| units::ActiveModel {
        generation: Set("2025".into()),
        code: Set(u.code.clone()),
        name: Set(u.name.clone()),
        unit_type: Set(u.unit_type.clone()),
        district_name: Set(None),
        province_code: Set(u.province_code.clone()),
        lat: Set(Some(u.lat)),
        lon: Set(Some(u.lon)),
        area_km2: Set(Some(u.area_km2)),
        ..Default::default()
    });
    let legacy = gazetteer.legacy_units().iter().map(|u| units::ActiveModel {
        generation: Set("legacy".into()),
        code: Set(u.code.clone()),
        name: Set(u.name.clone()),
        unit_type: Set(u.unit_type.clone()),
        district_name: Set(Some(u.district_name.clone())),
        province_code: Set(u.province_code_2025.clone()),
        lat: Set(None),
        lon: Set(None),
        area_km2: Set(None),
        ..Default::default()
    });
    let rows: Vec<_> = current.chain(legacy).collect();
    let successions: Vec<_> = gazetteer
        .successions()
        .iter()
        .map(|s| unit_successions::ActiveModel {
            legacy_code: Set(s.legacy_code.clone()),
            new_code: Set(s.new_code.clone()),
            whole: Set(s.share_whole),
            is_default: Set(s.is_default),
            ..Default::default()
        })
        .collect();

    let txn = db.begin_write().await?;
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for chunk in rows.chunks(200) {
        units::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([units::Column::Generation, units::Column::Code])
                    .update_columns([
                        units::Column::Name,
                        units::Column::UnitType,
                        units::Column::DistrictName,
                        units::Column::ProvinceCode,
                        units::Column::Lat,
                        units::Column::Lon,
                        units::Column::AreaKm2,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in successions.chunks(200) {
        unit_successions::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    unit_successions::Column::LegacyCode,
                    unit_successions::Column::NewCode,
                ])
                .update_columns([
                    unit_successions::Column::Whole,
                    unit_successions::Column::IsDefault,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(gazetteer_dir: &str, province_code: &str) -> RoutingSettings {
        RoutingSettings {
            province_code: province_code.to_owned(),
            gazetteer_dir: gazetteer_dir.into(),
        }
    }

    fn error(settings: &RoutingSettings) -> String {
        match load_gazetteer(settings) {
            Ok(_) => panic!("loaded with {settings:?}"),
            Err(err) => format!("{err:#}"),
        }
    }

    #[test]
    fn an_empty_gazetteer_dir_is_the_built_in_gazetteer_and_a_folder_given_wins() {
        let built_in = load_gazetteer(&settings("", "42")).unwrap();
        assert_eq!(built_in.units().len(), 69, "Hà Tĩnh's 2025 units");
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/config/gazetteer");
        let from_folder = load_gazetteer(&settings(folder, "40,42")).unwrap();
        assert_eq!(
            from_folder
                .served_provinces()
                .into_iter()
                .map(|(code, _)| code)
                .collect::<Vec<_>>(),
            ["40", "42"]
        );

        let err = error(&settings("/nonexistent", "42"));
        assert!(
            err.contains("routing.gazetteer_dir") && err.contains("/nonexistent"),
            "{err}"
        );
        let err = error(&settings("", "99"));
        assert!(
            err.contains("routing.province_code") && err.contains("99"),
            "{err}"
        );
    }
}
