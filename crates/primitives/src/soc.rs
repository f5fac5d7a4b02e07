//! Single-owner chunks (spec §1.5): `id(32) || sig(65) || span(8) || payload`, addressed by
//! `H(id || owner)` and signed over the EIP-191 hash of `H(id || wrappedAddress)`.

use alloy_primitives::{hex, Address, B256};

use crate::chunk::Chunk;
use crate::crypto::{recover_digest, Signature, Signer, SIGNATURE_SIZE};
use crate::keccak::keccak256_concat;
use crate::{PrimitivesError, CHUNK_SIZE, SEGMENT_SIZE, SPAN_SIZE};

/// Bytes before the wrapped chunk: id and signature.
pub const SOC_HEADER_SIZE: usize = SEGMENT_SIZE + SIGNATURE_SIZE;
/// Smallest SOC: header and an empty wrapped chunk's span (spec §1.1 `SocMinChunkSize`).
pub const SOC_MIN_SIZE: usize = SOC_HEADER_SIZE + SPAN_SIZE;
/// Largest SOC (spec §1.1 `SocMaxChunkSize`).
pub const SOC_MAX_SIZE: usize = SOC_MIN_SIZE + CHUNK_SIZE;

/// The owner of dispersed replicas, derived from private key `0x01 || 0x00 × 31` (spec §1.1).
pub const REPLICAS_OWNER: Address = Address::new(hex!("dc5b20847f43d67928f49cd4f85d696b5a7617b5"));

/// The address of the SOC with `id` owned by `owner`: `H(id || owner)`.
pub fn soc_address(id: &B256, owner: &Address) -> B256 {
    B256::from(keccak256_concat(&[id.as_slice(), owner.as_slice()]))
}

/// The digest a SOC owner signs (before the EIP-191 prefix): `H(id || wrappedAddress)`.
pub fn soc_digest(id: &B256, wrapped_address: &B256) -> [u8; 32] {
    keccak256_concat(&[id.as_slice(), wrapped_address.as_slice()])
}

/// A parsed single-owner chunk with its recovered owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleOwnerChunk {
    id: B256,
    signature: Signature,
    owner: Address,
    wrapped: Chunk,
}

impl SingleOwnerChunk {
    /// Wraps the content-addressed chunk `wrapped` under `id`, signed by `signer`.
    pub fn sign(signer: &Signer, id: B256, wrapped: Chunk) -> Result<Self, PrimitivesError> {
        let signature = signer.sign_digest(&soc_digest(&id, wrapped.address()))?;
        Ok(Self {
            id,
            signature,
            owner: signer.address(),
            wrapped,
        })
    }

    /// Assembles a SOC from an id, a signature made elsewhere and the wrapped chunk; the owner
    /// is recovered from the signature (Bee's `POST /soc/{owner}/{id}?sig=`).
    pub fn from_signature(
        id: B256,
        signature: Signature,
        wrapped: Chunk,
    ) -> Result<Self, PrimitivesError> {
        let owner = recover_digest(&soc_digest(&id, wrapped.address()), &signature)?;
        Ok(Self {
            id,
            signature,
            owner,
            wrapped,
        })
    }

    /// Parses SOC wire data and recovers the owner. Does not check the address; see
    /// [`SingleOwnerChunk::from_chunk`].
    pub fn parse(data: &[u8]) -> Result<Self, PrimitivesError> {
        if data.len() < SOC_MIN_SIZE {
            return Err(PrimitivesError::SocTooShort(data.len()));
        }
        let (id, rest) = data.split_at(SEGMENT_SIZE);
        let (signature, wrapped) = rest.split_at(SIGNATURE_SIZE);
        let wrapped = Chunk::content_from_data(wrapped.to_vec())?;
        Self::from_signature(
            B256::from_slice(id),
            Signature::from_slice(signature)?,
            wrapped,
        )
    }

    /// Parses and fully validates a chunk claimed to be a SOC (spec §1.5): it parses, the
    /// owner recovers, `H(id || owner)` is the chunk's address, and for dispersed replicas
    /// bytes 1..32 of the wrapped address equal those of the id.
    pub fn from_chunk(chunk: &Chunk) -> Result<Self, PrimitivesError> {
        let soc = Self::parse(chunk.data())?;
        if soc.address() != *chunk.address() {
            return Err(PrimitivesError::SocAddressMismatch);
        }
        if soc.owner == REPLICAS_OWNER && soc.wrapped.address()[1..] != soc.id[1..] {
            return Err(PrimitivesError::ReplicaIdMismatch);
        }
        Ok(soc)
    }

    /// The SOC address `H(id || owner)`.
    pub fn address(&self) -> B256 {
        soc_address(&self.id, &self.owner)
    }

    /// The identifier.
    pub fn id(&self) -> &B256 {
        &self.id
    }

    /// The owner's signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The owner (recovered or signing) address.
    pub fn owner(&self) -> &Address {
        &self.owner
    }

    /// The wrapped content-addressed chunk.
    pub fn wrapped(&self) -> &Chunk {
        &self.wrapped
    }

    /// Bee's identity address, the per-batch stamp-item key: `H(socAddress || wrappedAddress)`.
    pub fn identity_address(&self) -> B256 {
        B256::from(keccak256_concat(&[
            self.address().as_slice(),
            self.wrapped.address().as_slice(),
        ]))
    }

    /// The SOC as a chunk on the wire.
    pub fn to_chunk(&self) -> Chunk {
        let mut data = Vec::with_capacity(SOC_HEADER_SIZE + self.wrapped.data().len());
        data.extend_from_slice(self.id.as_slice());
        data.extend_from_slice(self.signature.as_bytes());
        data.extend_from_slice(self.wrapped.data());
        Chunk::new_unchecked(self.address(), data)
    }
}

/// The two kinds of valid chunk (Bee `storage.ChunkType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkType {
    /// Content-addressed: the address is the BMT hash.
    Content,
    /// Single-owner: the address is `H(id || owner)`.
    SingleOwner,
}

/// Classifies a chunk as a valid CAC or a valid SOC, or returns why it is neither.
pub fn chunk_type(chunk: &Chunk) -> Result<ChunkType, PrimitivesError> {
    match chunk.validate_content() {
        Ok(()) => Ok(ChunkType::Content),
        Err(content_error) => match SingleOwnerChunk::from_chunk(chunk) {
            Ok(_) => Ok(ChunkType::SingleOwner),
            Err(PrimitivesError::SocTooShort(_)) => Err(content_error),
            Err(soc_error) => Err(soc_error),
        },
    }
}
