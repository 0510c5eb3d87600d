//! The trussed backends opcard asks for (auth for PINs, staging for chunked
//! and wrapped-key files, software RSA), behind one dispatcher.

use trussed::backend::{Backend as _, BackendId};
use trussed::platform::Platform;
use trussed::serde_extensions::{ExtensionDispatch, ExtensionId, ExtensionImpl};
use trussed::service::ServiceResources;
use trussed::types::Context;
use trussed_auth::AuthExtension;
use trussed_auth_backend::{AuthBackend, AuthContext, FilesystemLayout};
use trussed_chunked::ChunkedExtension;
use trussed_core::api::{reply, request, Reply, Request};
use trussed_core::types::{Bytes, Location};
use trussed_core::Error;
use trussed_rsa_alloc::SoftwareRsa;
use trussed_staging::{StagingBackend, StagingContext};
use trussed_wrap_key_to_file::WrapKeyToFileExtension;

#[derive(Debug, Clone, Copy)]
pub enum BackendKind {
    Auth,
    Staging,
    Rsa,
}

/// Order matters: trussed asks each in turn until one answers.
pub const BACKENDS: &[BackendId<BackendKind>] = &[
    BackendId::Custom(BackendKind::Staging),
    BackendId::Custom(BackendKind::Auth),
    BackendId::Custom(BackendKind::Rsa),
    BackendId::Core,
];

#[derive(Debug, Clone, Copy)]
pub enum ExtensionKind {
    Auth = 0,
    WrapKeyToFile = 1,
    Chunked = 2,
}

impl TryFrom<u8> for ExtensionKind {
    type Error = Error;

    fn try_from(id: u8) -> Result<Self, Error> {
        Ok(match id {
            0 => ExtensionKind::Auth,
            1 => ExtensionKind::WrapKeyToFile,
            2 => ExtensionKind::Chunked,
            _ => return Err(Error::InternalError),
        })
    }
}

impl From<ExtensionKind> for u8 {
    fn from(e: ExtensionKind) -> u8 {
        e as u8
    }
}

pub struct CardDispatch {
    auth: AuthBackend,
    staging: StagingBackend,
}

#[derive(Default)]
pub struct CardContext {
    auth: AuthContext,
    staging: StagingContext,
}

impl CardDispatch {
    pub fn new() -> Self {
        CardDispatch {
            // A fixed "hardware" key: this card's PIN-protected storage is for tests only.
            auth: AuthBackend::with_hw_key(
                Location::Internal,
                Bytes::from(b"keyceremony virtual card"),
                FilesystemLayout::V0,
            ),
            staging: StagingBackend::new(),
        }
    }
}

impl ExtensionDispatch for CardDispatch {
    type BackendId = BackendKind;
    type Context = CardContext;
    type ExtensionId = ExtensionKind;

    fn core_request<P: Platform>(
        &mut self,
        backend: &BackendKind,
        ctx: &mut Context<CardContext>,
        request: &Request,
        resources: &mut ServiceResources<P>,
    ) -> Result<Reply, Error> {
        match backend {
            BackendKind::Auth => {
                self.auth
                    .request(&mut ctx.core, &mut ctx.backends.auth, request, resources)
            }
            BackendKind::Staging => {
                self.staging
                    .request(&mut ctx.core, &mut ctx.backends.staging, request, resources)
            }
            BackendKind::Rsa => SoftwareRsa.request(&mut ctx.core, &mut (), request, resources),
        }
    }

    fn extension_request<P: Platform>(
        &mut self,
        backend: &BackendKind,
        extension: &ExtensionKind,
        ctx: &mut Context<CardContext>,
        request: &request::SerdeExtension,
        resources: &mut ServiceResources<P>,
    ) -> Result<reply::SerdeExtension, Error> {
        let staging = &mut ctx.backends.staging;
        match (backend, extension) {
            (BackendKind::Auth, ExtensionKind::Auth) => self.auth.extension_request_serialized(
                &mut ctx.core,
                &mut ctx.backends.auth,
                request,
                resources,
            ),
            (BackendKind::Staging, ExtensionKind::WrapKeyToFile) => {
                ExtensionImpl::<WrapKeyToFileExtension>::extension_request_serialized(
                    &mut self.staging,
                    &mut ctx.core,
                    staging,
                    request,
                    resources,
                )
            }
            (BackendKind::Staging, ExtensionKind::Chunked) => {
                ExtensionImpl::<ChunkedExtension>::extension_request_serialized(
                    &mut self.staging,
                    &mut ctx.core,
                    staging,
                    request,
                    resources,
                )
            }
            _ => Err(Error::RequestNotAvailable),
        }
    }
}

impl ExtensionId<AuthExtension> for CardDispatch {
    type Id = ExtensionKind;
    const ID: ExtensionKind = ExtensionKind::Auth;
}

impl ExtensionId<WrapKeyToFileExtension> for CardDispatch {
    type Id = ExtensionKind;
    const ID: ExtensionKind = ExtensionKind::WrapKeyToFile;
}

impl ExtensionId<ChunkedExtension> for CardDispatch {
    type Id = ExtensionKind;
    const ID: ExtensionKind = ExtensionKind::Chunked;
}
