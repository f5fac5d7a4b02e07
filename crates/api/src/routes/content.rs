//! Content endpoints over manifests and single-owner chunks: `/bzz` (files, collections,
//! websites), `/soc` and `/feeds`, with Bee's headers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use comb_primitives::{CHUNK_SIZE, SPAN_SIZE};

use crate::backend::{BzzResponse, BzzUpload, FileDownload};
use crate::params;
use crate::routes::data::body_stream;
use crate::types::ReferenceResponse;
use crate::{ApiError, NodeApi};

const EXPOSE: &str = "access-control-expose-headers";
const FEED_INDEX: &str = "swarm-feed-index";
const FEED_INDEX_NEXT: &str = "swarm-feed-index-next";
const SOC_SIGNATURE: &str = "swarm-soc-signature";
const FEED_RESOLVED_VERSION: &str = "swarm-feed-resolved-version";

fn header_value(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `201 {"reference"}` with the `swarm-tag` and `etag` headers of an upload.
fn created(reference: &comb_primitives::B256, tag: Option<u64>) -> Response {
    let mut response = (
        StatusCode::CREATED,
        Json(ReferenceResponse {
            reference: hex::encode(reference),
        }),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ETAG,
        header_value(&format!("\"{}\"", hex::encode(reference))),
    );
    if let Some(tag) = tag {
        headers.insert("swarm-tag", header_value(&tag.to_string()));
        headers.insert(EXPOSE, HeaderValue::from_static("swarm-tag, etag"));
    }
    response
}

/// A file with Bee's download headers; `extra` are added (feed index, signature) and named in
/// `access-control-expose-headers`. Answers `304 Not Modified` without a body when the
/// request's `If-None-Match` names the file's ETag, and `206 Partial Content` with
/// `Content-Range` when the node served a range.
pub(crate) fn file_response(
    request: &HeaderMap,
    file: FileDownload,
    extra: Vec<(&'static str, String)>,
) -> Response {
    let etag = format!("\"{}\"", hex::encode(file.etag));
    if params::not_modified(request, &file.etag) {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
            .headers_mut()
            .insert(header::ETAG, header_value(&etag));
        return response;
    }
    // A website's error document is served as the file it is, 200 (Bee's `bzzDownload`
    // hands it to `serveManifestEntry`, the same path as any entry).
    let status = match file.range {
        Some(_) => StatusCode::PARTIAL_CONTENT,
        None => StatusCode::OK,
    };
    let mut response = Response::new(Body::from_stream(file.stream));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let content_type = file
        .content_type
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "application/octet-stream".to_string());
    headers.insert(header::CONTENT_TYPE, header_value(&content_type));
    let length = match file.range {
        Some((start, len)) => {
            let last = (start + len).saturating_sub(1);
            headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {start}-{last}/{}", file.size)),
            );
            len
        }
        None => file.size,
    };
    headers.insert(header::CONTENT_LENGTH, header_value(&length.to_string()));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::ETAG, header_value(&etag));
    let mut exposed = vec!["content-disposition"];
    if let Some(name) = file.filename.filter(|n| !n.is_empty()) {
        let base = name
            .rsplit('/')
            .next()
            .unwrap_or(&name)
            .replace('"', "\\\"");
        headers.insert(
            header::CONTENT_DISPOSITION,
            header_value(&format!("inline; filename=\"{base}\"")),
        );
    }
    if let Some(index) = file.feed_index {
        headers.insert(FEED_INDEX, header_value(&index));
        exposed.push(FEED_INDEX);
    }
    for (name, value) in extra {
        headers.insert(name, header_value(&value));
        exposed.push(name);
    }
    headers.insert(EXPOSE, header_value(&exposed.join(", ")));
    response
}

/// `POST /bzz`: a single file (query `name`, header `content-type`) or, with
/// `swarm-collection: true`, a tar archive (`swarm-index-document`,
/// `swarm-error-document`).
pub async fn upload<B: NodeApi>(
    State(node): State<Arc<B>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let options = params::upload_options(&headers)?;
    let content_type = params::text_header(&headers, "content-type")?.unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let collection = params::bool_header(&headers, "swarm-collection", false)?;
    let kind = if collection {
        match media_type.as_str() {
            "application/x-tar" | "" => BzzUpload::Collection {
                index_document: params::text_header(&headers, "swarm-index-document")?,
                error_document: params::text_header(&headers, "swarm-error-document")?,
            },
            "multipart/form-data" => {
                return Err(ApiError::bad_request(
                    "multipart collections are not supported: send the directory as a tar (content-type application/x-tar)",
                ))
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "invalid content-type {other:?} for a collection: want application/x-tar"
                )))
            }
        }
    } else {
        BzzUpload::File {
            name: query.get("name").cloned().filter(|n| !n.is_empty()),
            content_type,
        }
    };
    let uploaded = node.upload_bzz(options, kind, body_stream(body)).await?;
    Ok(created(&uploaded.reference, Some(uploaded.tag)))
}

async fn serve<B: NodeApi>(
    node: Arc<B>,
    reference: String,
    path: String,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let reference = params::hash("address", &reference)?;
    params::refuse_unsupported(&headers)?;
    let range = params::range_header(&headers)?;
    match node.download_bzz(reference, path, range).await? {
        BzzResponse::File(file) => Ok(file_response(&headers, file, Vec::new())),
        BzzResponse::Redirect(path) => {
            let location = format!("/bzz/{}/{path}", hex::encode(reference));
            let body = format!("<a href=\"{location}\">Permanent Redirect</a>.\n\n");
            let mut response = (StatusCode::PERMANENT_REDIRECT, body).into_response();
            response
                .headers_mut()
                .insert(header::LOCATION, header_value(&location));
            Ok(response)
        }
    }
}

/// `GET /bzz/{reference}` and `GET /bzz/{reference}/`: the index document (or the file of
/// a single-file upload).
pub async fn download_root<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(node, reference, String::new(), headers).await
}

/// `GET /bzz/{reference}/{path}`.
pub async fn download_path<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((reference, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(node, reference, path, headers).await
}

/// `POST /soc/{owner}/{id}?sig=`: the body is the wrapped chunk (`span ‖ payload`).
pub async fn upload_soc<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((owner, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let owner = params::owner(&owner)?;
    let id = params::hash("id", &id)?;
    let signature = params::signature(
        query
            .get("sig")
            .ok_or_else(|| ApiError::bad_request("invalid query params: sig: missing"))?,
    )?;
    let options = params::upload_options(&headers)?;
    let limit = SPAN_SIZE + CHUNK_SIZE;
    let data = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large(format!("chunk data larger than {limit} bytes")))?;
    if data.len() < SPAN_SIZE {
        return Err(ApiError::bad_request(
            "short chunk data: want at least the 8-byte span",
        ));
    }
    let reference = node
        .upload_soc(owner, id, signature, data.to_vec(), options)
        .await?;
    Ok(created(&reference, None))
}

/// `GET /soc/{owner}/{id}`: the wrapped data, with the owner's signature.
pub async fn download_soc<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((owner, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = params::owner(&owner)?;
    let id = params::hash("id", &id)?;
    let soc = node.download_soc(owner, id).await?;
    let signature = hex::encode(soc.signature.as_bytes());
    Ok(file_response(
        &headers,
        soc.content,
        vec![(SOC_SIGNATURE, signature)],
    ))
}

/// `POST /feeds/{owner}/{topic}`: the feed's root manifest.
pub async fn create_feed<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((owner, topic)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = params::owner(&owner)?;
    let topic = params::hex_bytes("topic", &topic)?;
    let options = params::upload_options(&headers)?;
    let reference = node.create_feed_manifest(owner, topic, options).await?;
    Ok(created(&reference, None))
}

/// `GET /feeds/{owner}/{topic}`: the latest update, with `swarm-feed-index` and
/// `swarm-feed-index-next` (16 hex characters each).
pub async fn feed<B: NodeApi>(
    State(node): State<Arc<B>>,
    Path((owner, topic)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = params::owner(&owner)?;
    let topic = params::hex_bytes("topic", &topic)?;
    let only_root = params::bool_header(&headers, "swarm-only-root-chunk", false)?;
    let update = node.feed_lookup(owner, topic).await?;
    let mut content = if only_root {
        // Bee writes the root chunk's data (span included) and nothing else.
        let data = bytes::Bytes::copy_from_slice(update.root.data());
        FileDownload {
            size: data.len() as u64,
            stream: Box::pin(futures_util::stream::once(async move { Ok(data) })),
            content_type: None,
            filename: None,
            etag: *update.root.address(),
            range: None,
            feed_index: None,
        }
    } else {
        update.content
    };
    content.feed_index = Some(hex::encode(update.index.to_be_bytes()));
    content.content_type = Some("application/octet-stream".to_string());
    Ok(file_response(
        &headers,
        content,
        vec![
            (FEED_INDEX_NEXT, hex::encode(update.next.to_be_bytes())),
            (SOC_SIGNATURE, hex::encode(update.signature.as_bytes())),
            (FEED_RESOLVED_VERSION, update.resolved_version.to_string()),
        ],
    ))
}
