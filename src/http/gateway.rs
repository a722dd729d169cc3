//! The gateway's snapshot of one policy: routes with their upstream clients and the
//! mask plan of every (route, consumer), and the identities. Built when a policy is
//! loaded (a failure refuses the policy); swapped whole on reload.

use std::collections::HashMap;
use std::sync::Arc;

use http::{HeaderName, HeaderValue};

use super::identity::Identities;
use super::plan::MaskPlan;
use super::routes::Params;
use super::upstream::{Target, UpstreamClient, client};
use crate::config::http::{HttpConfig, RouteConfig};
use crate::policy::Policy;

/// One route, ready.
pub struct Route {
    pub config: RouteConfig,
    /// One pool per connection thread, so a connection's upstream requests stay on its
    /// thread (see [`crate::serve::threads`]).
    pub clients: Vec<UpstreamClient>,
    pub target: Target,
    /// `METHOD pattern`, the audit record's fingerprint of the route's requests.
    pub fingerprint: String,
    /// By consumer name.
    pub consumers: HashMap<String, RouteConsumer>,
}

impl Route {
    /// The upstream pool of the connection thread this runs on.
    pub fn client(&self) -> &UpstreamClient {
        let i = crate::serve::threads::current_index().unwrap_or(0);
        &self.clients[i % self.clients.len()]
    }
}

/// What a route needs of one consumer, prepared when the policy loads.
pub struct RouteConsumer {
    pub plan: Arc<MaskPlan>,
    /// The consumer's name as `X-Tuomin-Consumer`; `None` when the name is not a valid
    /// header value (the header is then left out).
    pub header: Option<HeaderValue>,
}

/// Everything a request needs from the policy.
pub struct Gateway {
    pub policy: Arc<Policy>,
    pub config: HttpConfig,
    /// `config.api_key_header`, parsed.
    pub api_key_header: HeaderName,
    pub routes: Vec<Route>,
    pub identities: Identities,
}

impl Gateway {
    /// Builds the snapshot; `Err` when the policy has no `[http]` section or an
    /// upstream's CA cannot be read.
    pub fn build(policy: Arc<Policy>) -> Result<Gateway, String> {
        let config = policy
            .http
            .clone()
            .ok_or("the policy has no [http] section")?;
        let mut routes = Vec::new();
        let threads = crate::serve::threads::per_listener();
        for route in &config.routes {
            let consumers = policy
                .consumers
                .keys()
                .map(|c| {
                    let prepared = RouteConsumer {
                        plan: Arc::new(MaskPlan::build(&policy, c, route)),
                        header: HeaderValue::from_str(c).ok(),
                    };
                    (c.clone(), prepared)
                })
                .collect();
            routes.push(Route {
                config: route.clone(),
                clients: (0..threads)
                    .map(|_| client(&route.upstream, config.upstream_timeout))
                    .collect::<Result<_, _>>()?,
                target: Target::new(&route.upstream)?,
                fingerprint: format!("{} {}", route.method, route.pattern.as_str()),
                consumers,
            });
        }
        let api_key_header = HeaderName::from_bytes(config.api_key_header.as_bytes())
            .map_err(|_| format!("{:?} is not a header name", config.api_key_header))?;
        Ok(Gateway {
            api_key_header,
            identities: Identities::build(&policy),
            policy,
            config,
            routes,
        })
    }

    /// The route for a method and path, with the path's parameters.
    pub fn route<'a>(
        &'a self,
        method: &http::Method,
        path: &'a str,
    ) -> Option<(&'a Route, Params<'a>)> {
        self.routes
            .iter()
            .filter(|r| r.config.method == *method)
            .find_map(|r| r.config.pattern.matches(path).map(|p| (r, p)))
    }

    /// Whether a path is routed for some other method (for the 404 message only).
    pub fn any_route(&self, path: &str) -> bool {
        self.routes
            .iter()
            .any(|r| r.config.pattern.matches(path).is_some())
    }
}
