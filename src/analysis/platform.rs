//! Where a run ran: the managed platform (AWS Glue, Amazon EMR, Databricks, Google Cloud
//! Dataproc) or, failing that, the cluster manager (Kubernetes, YARN, standalone, local), and a
//! GPU plugin (NVIDIA RAPIDS) — from the Spark properties, the Spark version string and the
//! application id. `docs/analysis.md` lists the keys and where they come from.

use crate::model::{Run, SourceFormat};

/// A managed platform or a cluster manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlatformKind {
    /// AWS Glue.
    Glue,
    /// Amazon EMR (on EC2, on EKS or Serverless).
    Emr,
    /// Databricks.
    Databricks,
    /// Google Cloud Dataproc.
    Dataproc,
    /// Spark on Kubernetes.
    Kubernetes,
    /// Spark on Hadoop YARN.
    Yarn,
    /// Spark's standalone cluster manager.
    Standalone,
    /// Spark in local mode (one JVM).
    Local,
}

impl PlatformKind {
    /// The name `summarize --json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformKind::Glue => "glue",
            PlatformKind::Emr => "emr",
            PlatformKind::Databricks => "databricks",
            PlatformKind::Dataproc => "dataproc",
            PlatformKind::Kubernetes => "kubernetes",
            PlatformKind::Yarn => "yarn",
            PlatformKind::Standalone => "standalone",
            PlatformKind::Local => "local",
        }
    }

    /// The name people use.
    pub fn title(self) -> &'static str {
        match self {
            PlatformKind::Glue => "AWS Glue",
            PlatformKind::Emr => "Amazon EMR",
            PlatformKind::Databricks => "Databricks",
            PlatformKind::Dataproc => "Google Cloud Dataproc",
            PlatformKind::Kubernetes => "Kubernetes",
            PlatformKind::Yarn => "YARN",
            PlatformKind::Standalone => "Spark standalone",
            PlatformKind::Local => "local mode",
        }
    }
}

/// Where a run ran, and how that is known.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Platform {
    /// The platform (a managed one where recognised, else the cluster manager).
    pub kind: PlatformKind,
    /// The cluster manager under a managed platform (YARN under EMR on EC2, …), if known.
    pub cluster_manager: Option<PlatformKind>,
    /// A runtime or release named by the platform (`Databricks Runtime 10.4.x-cpu-ml-scala2.12`).
    pub release: Option<String>,
    /// A GPU plugin in use (`RAPIDS Accelerator`).
    pub gpu: Option<String>,
    /// The setting or value that told.
    pub evidence: String,
}

impl Platform {
    /// One line for the run header: "Amazon EMR (YARN) · RAPIDS Accelerator".
    pub fn label(&self) -> String {
        let mut s = self.kind.title().to_string();
        if let Some(r) = &self.release {
            s.push(' ');
            s.push_str(r);
        }
        // Databricks always runs Spark's standalone manager: not worth a word.
        let cm = self
            .cluster_manager
            .filter(|cm| *cm != self.kind && self.kind != PlatformKind::Databricks);
        if let Some(cm) = cm {
            s.push_str(&format!(" ({})", cm.title()));
        }
        if let Some(g) = &self.gpu {
            s.push_str(" · ");
            s.push_str(g);
        }
        s
    }
}

fn has_prefix(run: &Run, prefix: &str) -> Option<String> {
    run.meta
        .config
        .keys()
        .find(|k| k.starts_with(prefix))
        .cloned()
}

/// The cluster manager from `spark.master`, else from the shape of the application id.
fn cluster_manager(run: &Run) -> Option<(PlatformKind, String)> {
    if let Some(m) = run.meta.config.get("spark.master") {
        let m = m.trim();
        let kind = if m.starts_with("yarn") {
            Some(PlatformKind::Yarn)
        } else if m.starts_with("k8s://") {
            Some(PlatformKind::Kubernetes)
        } else if m.starts_with("spark://") || m.starts_with("local-cluster") {
            Some(PlatformKind::Standalone)
        } else if m.starts_with("local") {
            Some(PlatformKind::Local)
        } else {
            None
        };
        if let Some(k) = kind {
            return Some((k, format!("spark.master = {m}")));
        }
    }
    let id = run.meta.app_id.as_deref()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let kind = if let Some(rest) = id.strip_prefix("application_") {
        rest.split('_').all(digits).then_some(PlatformKind::Yarn)
    } else if let Some(rest) = id.strip_prefix("local-") {
        digits(rest).then_some(PlatformKind::Local)
    } else if let Some(rest) = id.strip_prefix("spark-") {
        (rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(PlatformKind::Kubernetes)
    } else if let Some(rest) = id.strip_prefix("app-") {
        rest.split('-')
            .all(digits)
            .then_some(PlatformKind::Standalone)
    } else {
        None
    }?;
    Some((kind, format!("application id {id}")))
}

fn gpu(run: &Run) -> Option<String> {
    let c = &run.meta.config;
    let rapids = c
        .get("spark.plugins")
        .is_some_and(|p| p.contains("com.nvidia.spark.SQLPlugin"))
        || c.get("spark.rapids.sql.enabled")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if rapids {
        return Some("RAPIDS Accelerator".into());
    }
    c.get("spark.executor.resource.gpu.amount")
        .filter(|v| v.trim() != "0")
        .map(|v| format!("{} GPU per executor", v.trim()))
}

/// Detects where `run` ran; `None` when nothing tells.
pub fn detect(run: &Run) -> Option<Platform> {
    let m = &run.meta;
    let version = m.spark_version.as_deref().unwrap_or("");
    let cm = cluster_manager(run);
    let managed: Option<(PlatformKind, Option<String>, String)> = if m.source_format
        == SourceFormat::Cloudwatch
    {
        Some((
            PlatformKind::Glue,
            m.glue_version.clone(),
            "CloudWatch Glue job metrics".into(),
        ))
    } else if let Some(k) = has_prefix(run, "spark.glue.") {
        Some((
            PlatformKind::Glue,
            m.glue_version.clone(),
            format!("Spark property {k}"),
        ))
    } else if m.glue_version.is_some() || m.config.get("spark.master").is_some_and(|v| v == "jes") {
        Some((
            PlatformKind::Glue,
            m.glue_version.clone(),
            "Glue job settings".into(),
        ))
    } else if let Some(k) = m
        .config
        .contains_key("spark.databricks.clusterUsageTags.sparkVersion")
        .then(|| "spark.databricks.clusterUsageTags.sparkVersion".to_string())
        .or_else(|| has_prefix(run, "spark.databricks."))
    {
        let release = m
            .config
            .get("spark.databricks.clusterUsageTags.sparkVersion")
            .map(|v| format!("Runtime {v}"));
        Some((
            PlatformKind::Databricks,
            release,
            format!("Spark property {k}"),
        ))
    } else if let Some(k) = has_prefix(run, "spark.dataproc.") {
        Some((PlatformKind::Dataproc, None, format!("Spark property {k}")))
    } else if version.contains("-amzn-") {
        Some((PlatformKind::Emr, None, format!("Spark version {version}")))
    } else {
        has_prefix(run, "spark.emr.")
            .or_else(|| has_prefix(run, "spark.emr-serverless."))
            .or_else(|| has_prefix(run, "spark.sql.emr."))
            .map(|k| (PlatformKind::Emr, None, format!("Spark property {k}")))
    };
    let gpu = gpu(run);
    match (managed, cm) {
        (Some((kind, release, evidence)), cm) => Some(Platform {
            kind,
            cluster_manager: cm.map(|c| c.0),
            release,
            gpu,
            evidence,
        }),
        (None, Some((kind, evidence))) => Some(Platform {
            kind,
            cluster_manager: Some(kind),
            release: None,
            gpu,
            evidence,
        }),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: &[(&str, &str)], version: &str, app_id: &str) -> Run {
        let mut r = Run::new(SourceFormat::SparkEventLog);
        for (k, v) in config {
            r.meta.config.insert(k.to_string(), v.to_string());
        }
        r.meta.spark_version = Some(version.into()).filter(|v: &String| !v.is_empty());
        r.meta.app_id = Some(app_id.into()).filter(|v: &String| !v.is_empty());
        r
    }

    fn kind(r: &Run) -> Option<&'static str> {
        detect(r).map(|p| p.kind.as_str())
    }

    #[test]
    fn managed_platforms_before_cluster_managers() {
        let emr = run(&[("spark.master", "yarn")], "3.3.0-amzn-0", "");
        assert_eq!(kind(&emr), Some("emr"));
        assert_eq!(detect(&emr).unwrap().label(), "Amazon EMR (YARN)");
        let dbx = run(
            &[
                ("spark.master", "spark://10.0.0.1:7077"),
                ("spark.databricks.passthrough.glue.x", "y"),
                (
                    "spark.databricks.clusterUsageTags.sparkVersion",
                    "10.4.x-cpu-ml-scala2.12",
                ),
            ],
            "3.2.1",
            "",
        );
        assert_eq!(
            kind(&dbx),
            Some("databricks"),
            "not Glue: spark.databricks.passthrough.glue"
        );
        assert_eq!(
            kind(&run(
                &[("spark.dataproc.listeners", "x"), ("spark.master", "yarn")],
                "3.1.3",
                ""
            )),
            Some("dataproc")
        );
        assert_eq!(
            kind(&run(&[("spark.glue.JOB_NAME", "j")], "3.3.0-amzn-1", "")),
            Some("glue")
        );
    }

    #[test]
    fn cluster_manager_from_master_or_app_id() {
        assert_eq!(
            kind(&run(&[("spark.master", "k8s://https://x:443")], "", "")),
            Some("kubernetes")
        );
        assert_eq!(
            kind(&run(&[("spark.master", "yarn-cluster")], "1.6.1", "")),
            Some("yarn")
        );
        assert_eq!(
            kind(&run(&[("spark.master", "local[*]")], "", "")),
            Some("local")
        );
        assert_eq!(
            kind(&run(&[("spark.master", "local-cluster[2,1,1024]")], "", "")),
            Some("standalone")
        );
        assert_eq!(kind(&run(&[], "", "application_1_2")), Some("yarn"));
        assert_eq!(
            kind(&run(&[], "", "spark-cc4d115f011443d787f03a71a476a745")),
            Some("kubernetes")
        );
        assert_eq!(kind(&run(&[], "", "local-1623876083964")), Some("local"));
        assert_eq!(
            kind(&run(&[], "", "app-20261121232506-0000")),
            Some("standalone")
        );
        assert_eq!(kind(&run(&[], "", "my-app")), None);
    }

    #[test]
    fn rapids_plugin() {
        let r = run(
            &[
                ("spark.master", "yarn"),
                ("spark.plugins", "com.nvidia.spark.SQLPlugin"),
            ],
            "",
            "",
        );
        assert_eq!(detect(&r).unwrap().label(), "YARN · RAPIDS Accelerator");
    }
}
